#include "core/json_assertion.h"

#include <charconv>
#include <cmath>
#include <map>
#include <sstream>
#include <string_view>

#include "core/duration.h"
#include "core/json_parse.h"

namespace campus {
namespace {

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

std::string show(const nlohmann::json& value) {
  std::string s = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

using Millis = std::chrono::milliseconds;
using TimeMs = std::chrono::sys_time<Millis>;

bool compare_int(JsonAssertion::Op op, std::int64_t a, std::int64_t e) {
  switch (op) {
    case JsonAssertion::Op::eq:
      return a == e;
    case JsonAssertion::Op::ne:
      return a != e;
    case JsonAssertion::Op::lt:
      return a < e;
    case JsonAssertion::Op::le:
      return a <= e;
    case JsonAssertion::Op::gt:
      return a > e;
    case JsonAssertion::Op::ge:
      return a >= e;
    default:
      return false;
  }
}

const char* comparison_text(JsonAssertion::Op op) {
  switch (op) {
    case JsonAssertion::Op::eq:
      return "==";
    case JsonAssertion::Op::ne:
      return "!=";
    case JsonAssertion::Op::lt:
      return "<";
    case JsonAssertion::Op::le:
      return "<=";
    case JsonAssertion::Op::gt:
      return ">";
    case JsonAssertion::Op::ge:
      return ">=";
    default:
      return "?";
  }
}

std::size_t utf8_code_points(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

/// An age for messages, exact and in parse_duration's spelling: "7d3h5m12s", "1500ms" -> "1s500ms".
std::string show_age(Millis d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  for (const auto& [unit, suffix] : {std::pair<std::int64_t, const char*>{86'400'000, "d"},
                                     {3'600'000, "h"},
                                     {60'000, "m"},
                                     {1000, "s"},
                                     {1, "ms"}}) {
    if (ms >= unit) {
      out += std::to_string(ms / unit);
      out += suffix;
      ms %= unit;
    }
  }
  return out;
}

/// Reads `n` decimal digits at `pos`.
bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

/// "+08:00", "-0530", "Z" (whole string); nullopt otherwise.
std::optional<std::chrono::minutes> parse_utc_offset(std::string_view s) {
  if (s == "Z" || s == "z") return std::chrono::minutes(0);
  if (s.size() != 6 && s.size() != 5) return std::nullopt;
  if (s[0] != '+' && s[0] != '-') return std::nullopt;
  int h = 0, m = 0;
  if (!read_digits(s, 1, 2, h)) return std::nullopt;
  const std::size_t mpos = s.size() == 6 ? 4 : 3;
  if (s.size() == 6 && s[3] != ':') return std::nullopt;
  if (!read_digits(s, mpos, 2, m) || h > 23 || m > 59) return std::nullopt;
  const std::chrono::minutes offset(h * 60 + m);
  return s[0] == '-' ? -offset : offset;
}

/// Epoch seconds, or milliseconds above 1e12.
std::optional<TimeMs> epoch_time(double v) {
  if (!(v >= 0) || v > 1e16) return std::nullopt;
  return TimeMs(Millis(std::llround(v > 1e12 ? v : v * 1000)));
}

/// "2026-11-28T12:00:00Z", "2026-11-28T20:00:00.250+08:00", "2026-11-28 20:00:00",
/// "2026-11-28" (without an offset: in `local`), or a numeric epoch string.
std::optional<TimeMs> parse_json_date(std::string_view s, std::chrono::minutes local) {
  using namespace std::chrono;
  if (s.empty()) return std::nullopt;
  if (s.find_first_not_of("0123456789.") == std::string_view::npos) {
    if (s.front() == '.' || s.back() == '.' || s.find('.') != s.rfind('.')) return std::nullopt;
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return epoch_time(v);
  }
  int y = 0, mo = 0, d = 0;
  if (!read_digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !read_digits(s, 5, 2, mo) ||
      s[7] != '-' || !read_digits(s, 8, 2, d))
    return std::nullopt;
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  TimeMs t = sys_days(ymd);
  if (s.size() == 10) return t - local;
  int h = 0, mi = 0, sec = 0;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !read_digits(s, 11, 2, h) ||
      s.size() < 19 || s[13] != ':' || !read_digits(s, 14, 2, mi) || s[16] != ':' ||
      !read_digits(s, 17, 2, sec) || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  t += hours(h) + minutes(mi) + seconds(sec);
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t start = ++pos;
    int ms = 0, scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos++] - '0') * scale;
      scale /= 10;
    }
    if (pos == start) return std::nullopt;
    t += Millis(ms);
  }
  if (pos == s.size()) return t - local;
  const auto offset = parse_utc_offset(s.substr(pos));
  if (!offset) return std::nullopt;
  return t - *offset;
}

std::optional<TimeMs> json_time(const nlohmann::json& value, std::chrono::minutes local) {
  if (value.is_number()) return epoch_time(value.get<double>());
  if (value.is_string()) return parse_json_date(value.get_ref<const std::string&>(), local);
  return std::nullopt;
}

}  // namespace

std::optional<JsonAssertion> JsonAssertion::parse(const std::string& text, std::string& error) {
  static const std::map<std::string, Op> ops{
      {"==", Op::eq},          {"!=", Op::ne}, {"<", Op::lt},          {"<=", Op::le},
      {">", Op::gt},           {">=", Op::ge}, {"exists", Op::exists}, {"!exists", Op::not_exists},
      {"matches", Op::matches}};
  JsonAssertion a;
  a.text_ = text;
  std::istringstream in(text);
  std::string pointer, op;
  in >> pointer >> op;
  std::string rest;
  std::getline(in, rest);
  rest = trim(rest);
  // "length >= 1" and "age <= 30m" measure the whole document (the rows of a query).
  if (pointer == "length" || pointer == "age") {
    rest = op + " " + rest;
    op = pointer;
    pointer.clear();
  } else if (pointer.empty() || (pointer != "" && pointer[0] != '/')) {
    error = "expected a JSON pointer starting with '/' in '" + text + "'";
    return std::nullopt;
  }
  try {
    a.pointer_ = nlohmann::json::json_pointer(pointer);
  } catch (const nlohmann::json::exception& e) {
    error = "bad JSON pointer '" + pointer + "'";
    return std::nullopt;
  }
  if (op == "length" || op == "age") {
    // "/p length OP N", "/p age OP DURATION [@OFFSET]"
    const bool age = op == "age";
    a.measure_ = age ? Measure::age : Measure::length;
    std::istringstream words(rest);
    std::string cmp, limit, offset, extra;
    words >> cmp >> limit >> offset >> extra;
    auto cmp_it = ops.find(cmp);
    if (cmp_it == ops.end() || cmp_it->second > Op::ge ||
        (age && (cmp_it->second == Op::eq || cmp_it->second == Op::ne))) {
      error = std::string("expected one of ") + (age ? "< <= > >=" : "== != < <= > >=") +
              " after '" + op + "' in '" + text + "'";
      return std::nullopt;
    }
    a.op_ = cmp_it->second;
    if (limit.empty()) {
      error = "missing the value to compare with in '" + text + "'";
      return std::nullopt;
    }
    a.limit_text_ = limit;
    if (!age) {
      const auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), a.limit_);
      if (ec != std::errc() || end != limit.data() + limit.size() || a.limit_ < 0) {
        error = "'length' compares with a whole number, but '" + limit + "' is not one";
        return std::nullopt;
      }
      if (!offset.empty()) {
        error = "unexpected '" + offset + "' after the number in '" + text + "'";
        return std::nullopt;
      }
      return a;
    }
    const auto duration = parse_duration(limit);
    if (!duration) {
      error = "'age' compares with a duration (like 500ms, 10s, 5m, 1h or 7d), but '" + limit +
              "' is not one";
      return std::nullopt;
    }
    a.limit_ = duration->count();
    if (!offset.empty()) {
      const auto local =
          offset[0] == '@' ? parse_utc_offset(std::string_view(offset).substr(1)) : std::nullopt;
      if (!local) {
        error = "expected a UTC offset like @+08:00 after the duration, got '" + offset + "' in '" +
                text + "'";
        return std::nullopt;
      }
      a.local_offset_ = *local;
    }
    if (!extra.empty()) {
      error = "unexpected '" + extra + "' after the offset in '" + text + "'";
      return std::nullopt;
    }
    return a;
  }
  auto it = ops.find(op);
  if (it == ops.end()) {
    error = "expected one of == != < <= > >= exists !exists matches after the pointer in '" + text +
            "'";
    return std::nullopt;
  }
  a.op_ = it->second;
  const bool needs_value = a.op_ != Op::exists && a.op_ != Op::not_exists;
  if (needs_value && rest.empty()) {
    error = "missing the value to compare with in '" + text + "'";
    return std::nullopt;
  }
  if (!needs_value && !rest.empty()) {
    error = "'" + op + "' takes no value in '" + text + "'";
    return std::nullopt;
  }
  if (a.op_ == Op::matches) {
    a.regex_ = Regex::compile(rest, error);
    if (!a.regex_) return std::nullopt;
  } else if (needs_value) {
    a.expected_ = parse_json_bounded(rest);
    if (a.expected_.is_discarded()) a.expected_ = rest;  // a bare string
    if ((a.op_ == Op::lt || a.op_ == Op::le || a.op_ == Op::gt || a.op_ == Op::ge) &&
        !a.expected_.is_number()) {
      error = "'" + op + "' compares numbers, but '" + rest + "' is not a number";
      return std::nullopt;
    }
  }
  return a;
}

std::optional<std::string> JsonAssertion::check(const nlohmann::json& document) const {
  return check(document, std::chrono::system_clock::now());
}

std::optional<std::string> JsonAssertion::check(const nlohmann::json& document,
                                                std::chrono::system_clock::time_point now) const {
  const std::string where = pointer_.empty() ? "the document" : pointer_.to_string();
  const bool present = document.contains(pointer_);
  if (op_ == Op::exists) {
    if (present) return std::nullopt;
    return where + ": expected to exist, but it is missing";
  }
  if (op_ == Op::not_exists) {
    if (!present) return std::nullopt;
    return where + ": expected to be absent, got " + show(document.at(pointer_));
  }
  if (!present) return where + ": missing";
  const nlohmann::json& actual = document.at(pointer_);
  if (measure_ == Measure::length) {
    std::size_t length = 0;
    if (actual.is_array() || actual.is_object())
      length = actual.size();
    else if (actual.is_string())
      length = utf8_code_points(actual.get_ref<const std::string&>());
    else
      return where + ": expected an array, object or string for length, got " + show(actual);
    if (compare_int(op_, static_cast<std::int64_t>(length), limit_)) return std::nullopt;
    return where + ": expected length " + comparison_text(op_) + " " + limit_text_ + ", got " +
           std::to_string(length);
  }
  if (measure_ == Measure::age) {
    const auto when = json_time(actual, local_offset_);
    if (!when) return where + ": expected a date or epoch time for age, got " + show(actual);
    Millis age = std::chrono::floor<Millis>(now) - *when;
    if (age < -std::chrono::seconds(60))
      return where + ": " + show(actual) + " is in the future by " + show_age(-age);
    if (age < Millis(0)) age = Millis(0);  // clock skew within a minute counts as now
    if (compare_int(op_, age.count(), limit_)) return std::nullopt;
    return where + ": expected age " + comparison_text(op_) + " " + limit_text_ + ", got " +
           show_age(age) + " (" + show(actual) + ")";
  }
  bool ok = false;
  std::string op_text;
  switch (op_) {
    case Op::eq:
      ok = actual == expected_;
      op_text = "==";
      break;
    case Op::ne:
      ok = actual != expected_;
      op_text = "!=";
      break;
    case Op::lt:
    case Op::le:
    case Op::gt:
    case Op::ge: {
      if (!actual.is_number()) return where + ": expected a number, got " + show(actual);
      const double a = actual.get<double>(), e = expected_.get<double>();
      ok = op_ == Op::lt ? a < e : op_ == Op::le ? a <= e : op_ == Op::gt ? a > e : a >= e;
      op_text = op_ == Op::lt ? "<" : op_ == Op::le ? "<=" : op_ == Op::gt ? ">" : ">=";
      break;
    }
    case Op::matches: {
      const std::string subject = actual.is_string() ? actual.get<std::string>() : show(actual);
      ok = regex_->search(subject);
      if (!ok)
        return where + ": expected to match /" + regex_->pattern() + "/, got " + show(actual);
      return std::nullopt;
    }
    default:
      break;
  }
  if (ok) return std::nullopt;
  return where + ": expected " + op_text + " " + show(expected_) + ", got " + show(actual);
}

}  // namespace campus
