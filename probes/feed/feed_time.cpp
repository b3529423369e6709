#include "feed_time.h"

#include <array>
#include <cctype>
#include <charconv>

namespace campus::feed {
namespace {

using namespace std::chrono;

// Digits at text[at, at+n) as a number, or -1.
int digits(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<sys_seconds> civil(int y, int mo, int d, int h, int mi, int s) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  const year_month_day date{year(y), month(unsigned(mo)), day(unsigned(d))};
  if (!date.ok()) return std::nullopt;
  return sys_days(date) + hours(h) + minutes(mi) + seconds(std::min(s, 59));
}

// "YYYY-MM-DD?HH:MM:SS" at the start of text, '?' being 'T', 't' or ' '; `rest` gets the tail.
std::optional<sys_seconds> date_time(std::string_view text, std::string_view& rest) {
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) {
    return std::nullopt;
  }
  const int y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  const int h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return std::nullopt;
  rest = text.substr(19);
  return civil(y, mo, d, h, mi, s);
}

// Fractional seconds ".123456" at the start of rest, consumed.
nanoseconds fraction(std::string_view& rest) {
  if (rest.empty() || (rest[0] != '.' && rest[0] != ',')) return nanoseconds(0);
  std::size_t i = 1;
  std::int64_t value = 0;
  int places = 0;
  while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) {
    if (places < 9) {
      value = value * 10 + (rest[i] - '0');
      ++places;
    }
    ++i;
  }
  rest.remove_prefix(i);
  for (; places < 9; ++places)
    value *= 10;
  return nanoseconds(value);
}

// "Z", "+08:00", "+0800", "+08" at the start of rest.
std::optional<minutes> offset(std::string_view rest) {
  if (rest.empty()) return std::nullopt;
  if (rest[0] == 'Z' || rest[0] == 'z') return minutes(0);
  if (rest[0] != '+' && rest[0] != '-') return std::nullopt;
  const int sign = rest[0] == '-' ? -1 : 1;
  const int h = digits(rest, 1, 2);
  int m = 0;
  if (rest.size() >= 6 && rest[3] == ':') {
    m = digits(rest, 4, 2);
  } else if (rest.size() >= 5) {
    m = digits(rest, 3, 2);
  }
  if (h < 0 || m < 0 || h > 23 || m > 59) return std::nullopt;
  return minutes(sign * (h * 60 + m));
}

std::optional<TimePoint> epoch(double value, bool milliseconds_hint) {
  if (!(value > 0) || value > 1e16) return std::nullopt;
  const bool ms = milliseconds_hint || value > 1e11;  // 1e11 s is the year 5138
  const auto ns = duration<double>(ms ? value / 1000 : value);
  return TimePoint(duration_cast<system_clock::duration>(ns));
}

}  // namespace

std::optional<minutes> zone_offset(std::string_view zone) {
  static const std::array<std::pair<std::string_view, int>, 14> named = {{
      {"UTC", 0},
      {"Etc/UTC", 0},
      {"GMT", 0},
      {"Asia/Shanghai", 480},
      {"Asia/Chongqing", 480},
      {"Asia/Harbin", 480},
      {"PRC", 480},
      {"Asia/Urumqi", 360},
      {"Asia/Hong_Kong", 480},
      {"Asia/Macau", 480},
      {"Asia/Taipei", 480},
      {"Asia/Singapore", 480},
      {"Asia/Tokyo", 540},
      {"Asia/Seoul", 540},
  }};
  for (const auto& [name, value] : named) {
    if (name == zone) return minutes(value);
  }
  return offset(zone);
}

std::optional<TimePoint> parse_time(std::string_view text, TimeFormat format, minutes zone) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  const bool numeric = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
  if (format == TimeFormat::epoch_seconds || format == TimeFormat::epoch_milliseconds ||
      (format == TimeFormat::automatic && numeric)) {
    if (!numeric) return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return epoch(value, format == TimeFormat::epoch_milliseconds);
  }
  std::string_view rest;
  const auto base = date_time(text, rest);
  if (!base) return std::nullopt;
  // The clock counts nanoseconds in 64 bits: a date past 2262 (a garbled year) does not fit.
  if (std::chrono::abs(duration_cast<seconds>(base->time_since_epoch())) > hours(24 * 365 * 290))
    return std::nullopt;
  const auto sub = fraction(rest);
  auto explicit_offset = offset(rest);
  if (format == TimeFormat::rfc3339 && !explicit_offset) return std::nullopt;
  const minutes applied = explicit_offset ? *explicit_offset : zone;
  return TimePoint(duration_cast<system_clock::duration>(base->time_since_epoch() + sub - applied));
}

std::optional<TimePoint> parse_json_time(const nlohmann::json& value, TimeFormat format,
                                         minutes zone) {
  if (value.is_number()) {
    if (format == TimeFormat::rfc3339 || format == TimeFormat::local) return std::nullopt;
    return epoch(value.get<double>(), format == TimeFormat::epoch_milliseconds);
  }
  if (value.is_string()) return parse_time(value.get<std::string>(), format, zone);
  return std::nullopt;
}

std::optional<TimePoint> parse_syslog_time(std::string_view line, minutes zone, TimePoint now) {
  // RFC 5424: "<PRI>VERSION TIMESTAMP ..."
  if (!line.empty() && line[0] == '<') {
    const auto close = line.find('>');
    if (close != std::string_view::npos && close + 2 < line.size() &&
        std::isdigit(static_cast<unsigned char>(line[close + 1]))) {
      const auto space = line.find(' ', close);
      if (space != std::string_view::npos) {
        const auto end = line.find(' ', space + 1);
        return parse_time(line.substr(space + 1, end - space - 1), TimeFormat::rfc3339, zone);
      }
    }
    line.remove_prefix(close == std::string_view::npos ? 0 : close + 1);
  }
  // ISO timestamps at the start (rsyslog's RFC3339 file format).
  if (line.size() >= 19 && std::isdigit(static_cast<unsigned char>(line[0]))) {
    const auto end = line.find(' ', 19);
    return parse_time(line.substr(0, end), TimeFormat::automatic, zone);
  }
  // RFC 3164: "Mmm dd hh:mm:ss" (day space-padded), local time, no year.
  static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (line.size() < 15 || line[3] != ' ' || line[6] != ' ' || line[9] != ':' || line[12] != ':') {
    return std::nullopt;
  }
  int month_number = 0;
  for (int i = 0; i < 12; ++i) {
    if (line.substr(0, 3) == months[i]) month_number = i + 1;
  }
  const int d = line[4] == ' ' ? digits(line, 5, 1) : digits(line, 4, 2);
  const int h = digits(line, 7, 2), mi = digits(line, 10, 2), s = digits(line, 13, 2);
  if (month_number == 0 || d < 0 || h < 0 || mi < 0 || s < 0) return std::nullopt;
  const auto local_now = floor<days>(now + zone);
  int y = int(year_month_day(local_now).year());
  for (int attempt = 0; attempt < 2; ++attempt, --y) {
    auto t = civil(y, month_number, d, h, mi, s);
    if (!t) continue;
    const TimePoint utc = TimePoint(*t - zone);
    if (utc <= now + hours(24)) return utc;  // December's lines read in January
  }
  return std::nullopt;
}

std::vector<const nlohmann::json*> select_values(const nlohmann::json& document,
                                                 std::string_view pointer) {
  std::vector<const nlohmann::json*> current{&document};
  std::size_t at = 0;
  while (at < pointer.size()) {
    if (pointer[at] != '/') return {};
    const auto next = pointer.find('/', at + 1);
    std::string token(pointer.substr(
        at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1));
    // RFC 6901 escapes.
    for (std::size_t p; (p = token.find("~1")) != std::string::npos;)
      token.replace(p, 2, "/");
    for (std::size_t p; (p = token.find("~0")) != std::string::npos;)
      token.replace(p, 2, "~");
    std::vector<const nlohmann::json*> selected;
    for (const nlohmann::json* node : current) {
      if (token == "*" && node->is_structured()) {
        for (const auto& child : *node)
          selected.push_back(&child);
      } else if (node->is_object()) {
        if (auto it = node->find(token); it != node->end()) selected.push_back(&*it);
      } else if (node->is_array()) {
        std::size_t index = 0;
        const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
        if (ec == std::errc() && end == token.data() + token.size() && index < node->size()) {
          selected.push_back(&(*node)[index]);
        }
      }
    }
    current = std::move(selected);
    if (next == std::string_view::npos) break;
    at = next;
  }
  return current;
}

std::string describe_age(seconds age) {
  const auto s = age.count();
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m " + std::to_string(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h " + std::to_string(s % 3600 / 60) + "m";
  return std::to_string(s / 86400) + "d " + std::to_string(s % 86400 / 3600) + "h";
}

}  // namespace campus::feed
