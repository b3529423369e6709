#pragma once
// When a check may run: days of the week, a time of day, a fixed UTC offset (China has no
// daylight saving; tzdata is not needed), and optionally the dates of a named calendar such as a
// teaching term or the course-selection weeks. Outside its window a check does not run.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campus {

/// Dates as days since 1970-01-01, both ends included.
struct DateRange {
  std::int64_t first = 0;
  std::int64_t last = 0;
};

struct ActiveWindow {
  std::uint8_t days = 0x7f;      ///< bit 0 Monday ... bit 6 Sunday
  int from_minute = 0;           ///< of the local day, included
  int to_minute = 24 * 60;       ///< excluded; below from_minute: the window runs past midnight
  int offset_minutes = 8 * 60;   ///< the local time's offset from UTC
  std::string calendar;          ///< the calendar's name, empty when none
  std::vector<DateRange> dates;  ///< the calendar's dates; empty: every date

  /// Whether `t` falls inside the window: its local date in the calendar, its local weekday in
  /// `days` and its local time of day within the hours.
  bool contains(std::chrono::system_clock::time_point t) const;
  /// "mon-fri 07:30-22:00 +08:00 term-2026-autumn", for people.
  std::string describe() const;
};

/// Parses "YYYY-MM-DD" to days since 1970-01-01.
std::optional<std::int64_t> parse_civil_date(std::string_view text);
/// Parses "HH:MM" to minutes of the day (24:00 allowed as the end of the day).
std::optional<int> parse_clock_time(std::string_view text);
/// Parses "+08:00", "-05:30", "+0800", "Z", "UTC" or "Asia/Shanghai" to minutes east of UTC.
std::optional<int> parse_fixed_utc_offset(std::string_view text);

}  // namespace campus
