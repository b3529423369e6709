#pragma once
// The daemon's log: one line per event on stderr, human-readable or JSON, with secrets removed.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/redactor.h"

namespace campus {

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { text, json };

/// Thread-safe.
class Logger {
 public:
  using Sink = std::function<void(std::string_view line)>;

  /// Writes to stderr.
  Logger(LogLevel level = LogLevel::info, LogFormat format = LogFormat::text);
  Logger(LogLevel level, LogFormat format, Sink sink);

  void set_redactor(Redactor redactor);
  bool enabled(LogLevel level) const { return level >= level_; }

  void log(LogLevel level, std::string_view message);
  void debug(std::string_view m) { log(LogLevel::debug, m); }
  void info(std::string_view m) { log(LogLevel::info, m); }
  void warn(std::string_view m) { log(LogLevel::warn, m); }
  void error(std::string_view m) { log(LogLevel::error, m); }

 private:
  LogLevel level_;
  LogFormat format_;
  Sink sink_;
  std::mutex mutex_;
  Redactor redactor_;
};

/// RFC 3339 UTC with milliseconds, e.g. 2026-11-28T12:00:00.123Z.
std::string rfc3339_utc(std::chrono::system_clock::time_point t);
/// Parses RFC 3339 / ISO 8601 UTC times such as 2026-11-28T12:00:00Z or 2026-11-28T12:00:00.123Z
/// (and a bare date); nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> parse_utc_time(std::string_view text);

}  // namespace campus
