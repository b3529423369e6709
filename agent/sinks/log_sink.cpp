#include "sinks/log_sink.h"

namespace campus {

void LogSink::publish(const Publication& publication) {
  const auto& record = *publication.record;
  const auto& r = record.result;
  const LogLevel level = r.verdict == Verdict::pass ? LogLevel::debug : LogLevel::warn;
  if (!log_.enabled(level)) return;
  log_.log(level,
           "check " + record.check->id + " " + std::string(to_string(r.verdict)) +
               (r.kind != FailureKind::none ? " (" + std::string(to_string(r.kind)) + ")" : "") +
               " in " + std::to_string(int(to_seconds(r.duration) * 1000)) + "ms: " + r.reason);
}

void LogSink::skipped(const CheckSpec& check) {
  log_.warn("check " + check.id + ": previous run still going; skipped this one");
}

}  // namespace campus
