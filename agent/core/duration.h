#pragma once
// Durations in config files: "500ms", "10s", "5m", "1h", "400d" (and combinations like "1m30s").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace campus {

using Duration = std::chrono::milliseconds;

/// Parses a duration; nullopt for anything malformed, empty, negative, or over 100 years.
std::optional<Duration> parse_duration(std::string_view text);

/// The shortest exact spelling: 1500ms -> "1500ms", 10000ms -> "10s", 300000ms -> "5m".
std::string format_duration(Duration d);

/// Seconds as a double, for metrics.
inline double to_seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace campus
