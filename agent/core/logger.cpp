#include "core/logger.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

namespace campus {

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t seconds = std::time_t(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                int(ms.count() % 1000));
  return buffer;
}

namespace {
std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}
}  // namespace

Logger::Logger(LogLevel level, LogFormat format)
    : Logger(level, format, [](std::string_view line) { std::cerr << line << std::flush; }) {}

Logger::Logger(LogLevel level, LogFormat format, Sink sink)
    : level_(level), format_(format), sink_(std::move(sink)) {}

void Logger::set_redactor(Redactor redactor) {
  std::lock_guard lock(mutex_);
  redactor_ = std::move(redactor);
}

void Logger::log(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  const std::string time = rfc3339_utc(std::chrono::system_clock::now());
  std::lock_guard lock(mutex_);
  std::string clean = redactor_.text(message);
  // One event, one line, whatever the message holds.
  for (auto& c : clean) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::string line;
  if (format_ == LogFormat::json) {
    line = nlohmann::json{{"time", time}, {"level", level_name(level)}, {"msg", clean}}.dump(
               -1, ' ', false, nlohmann::json::error_handler_t::replace) +
           "\n";
  } else {
    line = time + " " + std::string(level_name(level)) + " " + clean + "\n";
  }
  sink_(line);
}

}  // namespace campus
