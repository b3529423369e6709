#pragma once
// Removes secrets from text and JSON before anything is logged, shown or recorded: configured
// secret values, CAS tickets, and the values of credential-bearing headers, cookies and fields.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace campus {

inline constexpr std::string_view kRedacted = "[redacted]";

/// Immutable after construction; safe to share between threads.
class Redactor {
 public:
  Redactor() = default;
  /// `secrets`: literal values to remove wherever they appear (empty ones are ignored).
  explicit Redactor(std::vector<std::string> secrets);

  std::string text(std::string_view input) const;
  /// Redacts every string in `value`, and replaces the whole value of credential-like keys
  /// (password, token, ticket, cookie, authorization, ...).
  nlohmann::json json(const nlohmann::json& value) const;

  /// True for a header or field name whose value is a credential.
  static bool is_sensitive_name(std::string_view name);

 private:
  std::vector<std::string> secrets_;  // longest first, so a secret containing another goes whole
};

}  // namespace campus
