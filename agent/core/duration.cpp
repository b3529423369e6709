#include "core/duration.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace campus {

std::optional<Duration> parse_duration(std::string_view text) {
  // Nothing a campus configures lasts a century; the bound keeps every sum and later arithmetic
  // on durations (deadlines, `since` periods) far from overflow.
  constexpr std::int64_t kMaxMs = std::int64_t(100) * 366 * 86'400'000;
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    std::int64_t value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (value > std::numeric_limits<std::int64_t>::max() / 10 / 1000 / 86400) return std::nullopt;
      value = value * 10 + (text[i++] - '0');
    }
    std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
      ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    std::int64_t ms_per_unit = 0;
    if (unit == "ms")
      ms_per_unit = 1;
    else if (unit == "s")
      ms_per_unit = 1000;
    else if (unit == "m")
      ms_per_unit = 60'000;
    else if (unit == "h")
      ms_per_unit = 3'600'000;
    else if (unit == "d")
      ms_per_unit = 86'400'000;
    else
      return std::nullopt;
    if (value > kMaxMs / ms_per_unit || total > kMaxMs - value * ms_per_unit) return std::nullopt;
    total += value * ms_per_unit;
  }
  return Duration(total);
}

std::string format_duration(Duration d) {
  const auto ms = d.count();
  struct Unit {
    std::int64_t ms;
    const char* suffix;
  };
  for (const Unit unit :
       {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}}) {
    if (ms != 0 && ms % unit.ms == 0) return std::to_string(ms / unit.ms) + unit.suffix;
  }
  return std::to_string(ms) + "ms";
}

}  // namespace campus
