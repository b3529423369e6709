#include "core/active_window.h"

#include <array>

namespace campus {
namespace {

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int number(std::string_view s) {
  int n = 0;
  for (char c : s)
    n = n * 10 + (c - '0');
  return n;
}

std::string two(int n) {
  return std::string(1, char('0' + n / 10)) + char('0' + n % 10);
}

std::string clock(int minutes) {
  return two(minutes / 60) + ":" + two(minutes % 60);
}

constexpr std::array<const char*, 7> kDays{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

}  // namespace

bool ActiveWindow::contains(std::chrono::system_clock::time_point t) const {
  using namespace std::chrono;
  const std::int64_t local =
      duration_cast<seconds>(t.time_since_epoch()).count() + std::int64_t(offset_minutes) * 60;
  const std::int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  const int minute = int((local - day * 86400) / 60);
  // A window past midnight belongs to the day it opened: 22:00-06:00 on Friday covers early
  // Saturday too.
  const bool after_midnight = from_minute > to_minute && minute < to_minute;
  const std::int64_t opened = after_midnight ? day - 1 : day;
  const int weekday = int(((opened + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  if (!(days & (1u << weekday))) return false;
  if (!dates.empty()) {
    bool listed = false;
    for (const auto& range : dates)
      listed = listed || (opened >= range.first && opened <= range.last);
    if (!listed) return false;
  }
  if (from_minute < to_minute) return minute >= from_minute && minute < to_minute;
  return minute >= from_minute || minute < to_minute;
}

std::string ActiveWindow::describe() const {
  std::string out;
  for (int d = 0; d < 7; ++d) {
    if (days & (1u << d)) out += std::string(out.empty() ? "" : ",") + kDays[std::size_t(d)];
  }
  if (days == 0x7f) out = "every day";
  out += " " + clock(from_minute) + "-" + clock(to_minute);
  const int offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  out += std::string(" ") + (offset_minutes < 0 ? "-" : "+") + clock(offset);
  if (!calendar.empty()) out += " " + calendar;
  return out;
}

std::optional<std::int64_t> parse_civil_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(text.substr(0, 4)) ||
      !digits(text.substr(5, 2)) || !digits(text.substr(8, 2))) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day date{year(number(text.substr(0, 4))),
                            month(unsigned(number(text.substr(5, 2)))),
                            day(unsigned(number(text.substr(8, 2))))};
  if (!date.ok()) return std::nullopt;
  return sys_days(date).time_since_epoch().count();
}

std::optional<int> parse_clock_time(std::string_view text) {
  if (text.size() != 5 || text[2] != ':' || !digits(text.substr(0, 2)) ||
      !digits(text.substr(3, 2))) {
    return std::nullopt;
  }
  const int h = number(text.substr(0, 2)), m = number(text.substr(3, 2));
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

std::optional<int> parse_fixed_utc_offset(std::string_view text) {
  if (text == "Z" || text == "UTC") return 0;
  // Every zone of China keeps +08:00 all year.
  if (text == "Asia/Shanghai" || text == "Asia/Chongqing" || text == "PRC") return 8 * 60;
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  std::string_view rest = text.substr(1);
  std::string_view hours = rest.substr(0, 2), minutes;
  if (rest.size() == 5 && rest[2] == ':') {
    minutes = rest.substr(3, 2);
  } else if (rest.size() == 4) {
    minutes = rest.substr(2, 2);
  } else if (rest.size() != 2) {
    return std::nullopt;
  }
  if (!digits(hours) || (!minutes.empty() && !digits(minutes))) return std::nullopt;
  const int total = number(hours) * 60 + (minutes.empty() ? 0 : number(minutes));
  if (number(hours) > 14 || (!minutes.empty() && number(minutes) > 59)) return std::nullopt;
  return text[0] == '-' ? -total : total;
}

}  // namespace campus
