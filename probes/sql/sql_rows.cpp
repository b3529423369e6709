#include "sql_rows.h"

#include <algorithm>
#include <cstdlib>

#include "core/json_parse.h"
#include "core/text_width.h"
#include "sql_session.h"

namespace campus::sql {

nlohmann::json text_value(std::string_view text) {
  return utf8_excerpt(text, kMaxValueBytes);
}

nlohmann::json number_value(std::string_view text) {
  auto value = parse_json_bounded(text);
  if (value.is_discarded() || !value.is_number()) return text_value(text);
  return value;
}

nlohmann::json json_value(std::string_view text) {
  auto value = parse_json_bounded(text);
  if (value.is_discarded()) return text_value(text);
  return value;
}

std::string iso_offset(std::string_view text) {
  // The offset starts at the last sign after the time of day ("YYYY-MM-DD HH:MM:SS").
  if (text.size() < 20) return std::string(text);
  const auto sign = text.find_last_of("+-");
  if (sign == std::string_view::npos || sign < 19) return std::string(text);
  const std::string_view offset = text.substr(sign + 1);
  const auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  std::string out(text.substr(0, sign + 1));
  if (offset.size() == 2 && digits(offset)) return out + std::string(offset) + ":00";
  if (offset.size() == 5 && offset[2] == ':' && digits(offset.substr(0, 2)) &&
      digits(offset.substr(3)))
    return std::string(text);
  if (offset.size() == 8 && offset[2] == ':' && offset[5] == ':' && digits(offset.substr(0, 2)) &&
      digits(offset.substr(3, 2)) && digits(offset.substr(6)))
    return out + std::string(offset.substr(0, 5));
  return std::string(text);
}

std::string offset_text(long long seconds) {
  const char sign = seconds < 0 ? '-' : '+';
  const int minutes = int(std::min(std::llabs(seconds) / 60, 23LL * 60 + 59));
  const auto two = [](int n) { return std::string(1, char('0' + n / 10)) + char('0' + n % 10); };
  return sign + two(minutes / 60) + ":" + two(minutes % 60);
}

nlohmann::json first_rows(const nlohmann::json& rows, std::size_t count, std::size_t max_bytes) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < rows.size() && i < count; ++i) {
    nlohmann::json row = nlohmann::json::object();
    for (const auto& [column, value] : rows[i].items()) {
      if (value.is_string()) {
        row[column] = utf8_excerpt(value.get_ref<const std::string&>(), max_bytes);
      } else if (value.is_structured()) {
        const std::string text = value.dump();
        row[column] =
            text.size() > max_bytes ? nlohmann::json(utf8_excerpt(text, max_bytes)) : value;
      } else {
        row[column] = value;
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace campus::sql

namespace campus {

SqlOutcome SqlSession::run() {
  const auto t0 = std::chrono::steady_clock::now();
  if (!connect()) return std::move(out_);
  out_.phases.push_back({"connect", sql::seconds_since(t0)});
  const auto t1 = std::chrono::steady_clock::now();
  const bool ran = begin() && query();
  out_.phases.push_back({"query", sql::seconds_since(t1)});
  if (!ran) return std::move(out_);
  out_.ok = true;
  out_.kind = FailureKind::none;
  return std::move(out_);
}

long long SqlSession::ms_left() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ -
                                                               std::chrono::steady_clock::now())
      .count();
}

bool SqlSession::fail(FailureKind kind, std::string reason) {
  out_.kind = kind;
  out_.reason = std::move(reason);
  out_.log.push_back(out_.reason);
  return false;
}

}  // namespace campus
