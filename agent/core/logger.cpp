#include "core/logger.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

namespace campus {

std::optional<std::chrono::system_clock::time_point> parse_utc_time(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const std::string str(text);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) !=
      6) {
    consumed = 0;
    if (std::sscanf(str.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 ||
        std::size_t(consumed) != str.size()) {
      return std::nullopt;
    }
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  auto t = std::chrono::system_clock::from_time_t(timegm(&tm));
  std::string_view rest = text.substr(std::size_t(consumed));
  if (!rest.empty() && rest.front() == '.') {
    std::size_t i = 1;
    int ms = 0, digits = 0;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) {
      if (digits < 3) ms = ms * 10 + (rest[i] - '0');
      ++digits;
      ++i;
    }
    while (digits < 3) {
      ms *= 10;
      ++digits;
    }
    t += std::chrono::milliseconds(ms);
    rest = rest.substr(i);
  }
  if (!rest.empty() && rest != "Z" && rest != "+00:00") return std::nullopt;
  return t;
}

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
