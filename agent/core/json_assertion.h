#pragma once
// Conditions on JSON responses, written as one string each:
//   "/status == ok"   "/checks/db != down"   "/latency_ms < 200"   "/version exists"
//   "/service matches ^campus"
// The left side is a JSON pointer (RFC 6901); the right side is a JSON literal (number, true,
// "quoted string", null) or, failing that, a bare string.
//
// Two measures of the value compare instead of the value itself:
//   "/rows length >= 1"        elements of an array, members of an object, code points of a string
//   "/lastEvent age < 15m"     now minus the value's time, against a duration (500ms 10s 5m 1h 7d)
//   "/t age <= 7d @+08:00"     the same, naming the UTC offset of dates written without one
// `length` takes == != < <= > >= and a whole number; `age` takes < <= > >=. Dates for `age`:
// RFC 3339 (2026-11-28T12:00:00Z, 2026-11-28T20:00:00.5+08:00), local "YYYY-MM-DD HH:MM:SS" or
// "YYYY-MM-DD" (in the named offset, +08:00 by default), or epoch seconds / milliseconds (above
// 1e12) as a number or a numeric string. A date more than 60 s in the future fails.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/regex.h"

namespace campus {

class JsonAssertion {
 public:
  enum class Op { eq, ne, lt, le, gt, ge, exists, not_exists, matches };
  /// What the operator compares: the value itself, its length, or its age.
  enum class Measure { value, length, age };

  /// Parses an assertion; on error returns nullopt with a message in `error`.
  static std::optional<JsonAssertion> parse(const std::string& text, std::string& error);

  /// Checks `document`; on failure returns a message like `/status: expected == "ok", got
  /// "degraded"`, on success nullopt.
  std::optional<std::string> check(const nlohmann::json& document) const;
  /// The same, with `now` as the present for `age`.
  std::optional<std::string> check(const nlohmann::json& document,
                                   std::chrono::system_clock::time_point now) const;

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  nlohmann::json::json_pointer pointer_;
  Op op_ = Op::exists;
  Measure measure_ = Measure::value;
  nlohmann::json expected_;
  std::optional<Regex> regex_;
  std::int64_t limit_ = 0;                     // length: the number; age: milliseconds
  std::string limit_text_;                     // as written, for messages
  std::chrono::minutes local_offset_{8 * 60};  // age: offset of dates written without one
};

}  // namespace campus
