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

void LogSink::session_login(const SessionLoginRecord& login) {
  const auto& r = login.run.result;
  if (r.verdict == Verdict::pass) {
    log_.info("session " + login.session->name + ": login " + std::to_string(login.login) + " in " +
              std::to_string(int(to_seconds(r.duration) * 1000)) + "ms");
  } else {
    log_.warn("session " + login.session->name + ": login failed (" +
              std::string(to_string(r.kind)) + "): " + r.reason);
  }
}

void LogSink::session_lost(const SessionSpec& session, const std::string& reason) {
  log_.info("session " + session.name + ": not accepted any more (" + reason +
            "); the next check logs in again");
}

void LogSink::skipped(const CheckSpec& check) {
  log_.warn("check " + check.id + ": previous run still going; skipped this one");
}

}  // namespace campus
