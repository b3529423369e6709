#pragma once
// Credentials named in the config's `secrets:` section. Values come from environment variables
// or files, never from the config text itself, and a Secret never prints its value.

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace campus {

/// A credential value. Printing or formatting it yields "<secret>"; only value() reveals it.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

inline std::ostream& operator<<(std::ostream& out, const Secret&) {
  return out << "<secret>";
}

/// One named credential set, e.g. a test account: any of username, password, token, secret.
struct SecretSet {
  std::string name;
  std::optional<std::string> username;  ///< usernames are not secret, but may come from env too
  std::optional<Secret> password;
  std::optional<Secret> token;
  std::optional<Secret> secret;  ///< e.g. a RADIUS shared secret or an app key

  /// The value of field `name` (username, password, token or secret), if set.
  std::optional<std::string> field(std::string_view name) const {
    if (name == "username") return username;
    const std::optional<Secret>* value = name == "password" ? &password
                                         : name == "token"  ? &token
                                         : name == "secret" ? &secret
                                                            : nullptr;
    if (!value || !*value) return std::nullopt;
    return (*value)->value();
  }
};

/// All secret sets of a config. Immutable after loading; safe to share between threads.
class SecretStore {
 public:
  void add(SecretSet set) { sets_[set.name] = std::move(set); }
  const SecretSet* find(std::string_view name) const;
  std::vector<std::string> names() const;

  /// Every secret value (passwords, tokens, secrets), for redaction of logs and evidence, and
  /// the forms the agent derives from them when it sends them: the HTTP Basic credential of a
  /// set with a username and a password, and the base64 of each value (see derived_values()).
  std::vector<std::string> values() const;

  /// The derived forms alone: base64 of "username:password" and of each value, in the standard
  /// and URL-safe alphabets, padded or not. A target that reflects a request's headers or body
  /// shows them, and each gives the secret back to whoever reads it. Forms shorter than 8
  /// characters are left out: they would blank ordinary words, and the secret they come from
  /// is itself redacted wherever it appears.
  std::vector<std::string> derived_values() const;

 private:
  std::map<std::string, SecretSet, std::less<>> sets_;
};

}  // namespace campus
