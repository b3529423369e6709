#pragma once
// Conditions on JSON responses, written as one string each:
//   "/status == ok"   "/checks/db != down"   "/latency_ms < 200"   "/version exists"
//   "/service matches ^campus"
// The left side is a JSON pointer (RFC 6901); the right side is a JSON literal (number, true,
// "quoted string", null) or, failing that, a bare string.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/regex.h"

namespace campus {

class JsonAssertion {
 public:
  enum class Op { eq, ne, lt, le, gt, ge, exists, not_exists, matches };

  /// Parses an assertion; on error returns nullopt with a message in `error`.
  static std::optional<JsonAssertion> parse(const std::string& text, std::string& error);

  /// Checks `document`; on failure returns a message like `/status: expected == "ok", got
  /// "degraded"`, on success nullopt.
  std::optional<std::string> check(const nlohmann::json& document) const;

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  nlohmann::json::json_pointer pointer_;
  Op op_ = Op::exists;
  nlohmann::json expected_;
  std::optional<Regex> regex_;
};

}  // namespace campus
