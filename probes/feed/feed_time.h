#pragma once
// Timestamps as event feeds write them: RFC 3339 (and Suricata's +0800 offsets), epoch seconds
// or milliseconds, "YYYY-MM-DD HH:MM:SS" in a configured zone, and syslog's RFC 3164 and
// RFC 5424 headers.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace campus::feed {

using TimePoint = std::chrono::system_clock::time_point;

enum class TimeFormat { automatic, rfc3339, epoch_seconds, epoch_milliseconds, local };

/// A zone as a fixed UTC offset: "+08:00", "UTC", or a name of a zone without daylight saving
/// time (Asia/Shanghai and the other zones of China, Asia/Hong_Kong, Asia/Taipei, ...).
std::optional<std::chrono::minutes> zone_offset(std::string_view zone);

/// Parses `text` (a string, or a number as text) in `format`; nullopt when it does not parse.
std::optional<TimePoint> parse_time(std::string_view text, TimeFormat format,
                                    std::chrono::minutes zone);
/// Parses a JSON value: numbers are epoch seconds or milliseconds (by size, in `automatic`).
std::optional<TimePoint> parse_json_time(const nlohmann::json& value, TimeFormat format,
                                         std::chrono::minutes zone);

/// The timestamp at the start of a syslog line: RFC 5424 ("<34>1 2026-11-28T15:00:00Z ...") or
/// RFC 3164 ("Nov 28 15:00:00 ...", the year taken so the time is not in the future).
std::optional<TimePoint> parse_syslog_time(std::string_view line, std::chrono::minutes zone,
                                           TimePoint now);

/// Every value at `pointer`, where a "*" segment stands for each element of an array (or each
/// member of an object): "/data/*/time".
std::vector<const nlohmann::json*> select_values(const nlohmann::json& document,
                                                 std::string_view pointer);

/// "3m 20s", "2h 5m", "4d 1h": an age for people.
std::string describe_age(std::chrono::seconds age);

}  // namespace campus::feed
