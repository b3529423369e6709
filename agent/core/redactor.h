#pragma once
// Removes secrets from text and JSON before anything is logged, shown or recorded: configured
// secret values, CAS tickets, and the values of credential-bearing headers, cookies and fields.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace campus {

inline constexpr std::string_view kRedacted = "[redacted]";

/// Replaces every occurrence of each of `values` (empty ones are skipped; give them longest
/// first, so that a value containing another goes whole) in `text` with [redacted], and a tail of
/// `text` of four or more characters that starts one of them: excerpts are cut before they are
/// redacted, and a value cut at the end would otherwise leave all but its last characters.
std::string redact_values(std::string_view text, const std::vector<std::string>& values);

/// Base64 of `bytes` in every form a sender may put on the wire: the standard and the URL-safe
/// alphabet, each with and without '=' padding (duplicates removed).
std::vector<std::string> base64_forms(std::string_view bytes);

/// What an HTTP Basic credential for `user` and `password` looks like on the wire: the
/// base64_forms() of "user:password". A target that echoes the request's headers in its body
/// shows it, and anyone who reads it has the password.
std::vector<std::string> basic_credential_forms(std::string_view user, std::string_view password);

/// Immutable after construction; safe to share between threads.
class Redactor {
 public:
  Redactor() = default;
  /// `secrets`: literal values to remove wherever they appear (empty ones are ignored).
  explicit Redactor(std::vector<std::string> secrets);

  /// Whether there is any literal value to remove (a run's own redactor, built from what it
  /// sent, often has none).
  bool has_values() const { return !secrets_.empty(); }

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
