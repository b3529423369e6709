#pragma once
// Column values as JSON, for the `expect` conditions: what both database clients share.

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace campus::sql {

/// Values longer than this are cut (at a character boundary) before the conditions see them.
inline constexpr std::size_t kMaxValueBytes = 65536;

/// Text as a JSON string: invalid UTF-8 bytes replaced, cut at kMaxValueBytes.
nlohmann::json text_value(std::string_view text);
/// A numeric column's text as a JSON number; NaN, Infinity and the like stay strings.
nlohmann::json number_value(std::string_view text);
/// A JSON column's text as JSON; text that does not parse stays a string.
nlohmann::json json_value(std::string_view text);

/// PostgreSQL's ISO timestamptz output ("2026-11-28 12:00:00.5+08", "...-03:30",
/// "...+05:53:28") with an offset the `age` condition reads ("+08:00", "-03:30", "+05:53").
std::string iso_offset(std::string_view text);
/// A UTC offset in seconds as "+08:00".
std::string offset_text(long long seconds);

/// The first `count` rows with every string value cut to `max_bytes`, for evidence.
nlohmann::json first_rows(const nlohmann::json& rows, std::size_t count, std::size_t max_bytes);

/// Seconds since `start`, for phases.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace campus::sql
