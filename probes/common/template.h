#pragma once
// Text with `${...}` placeholders, as written in a scenario's URLs, headers and form fields.
// A placeholder is a variable (`${service}`, `${login.execution}`, `${secret.sso.password}`),
// a quoted string or a number (`-1`, `+7`), or a call of a transform on placeholders:
//   ${urlencode(service)}  ${aes_cbc_base64(concat(random(64), secret.sso.password),
//                                           login.pwdEncryptSalt, random(16))}
//   ${now('%Y-%m-%d %H:%M:%S')}  ${epoch_millis()}  ${rsa_pkcs1_base64(secret.jw.password,
//                                                                      key.modulus, key.exponent)}
// Templates are parsed when the config loads, so a typo is reported with its line; they are
// expanded per run. Whatever derives from a sensitive value is sensitive too, so the run can
// keep it out of its log and evidence.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campus {

/// A run's variables. A sensitive value (a password, a token, anything computed from one) is
/// never logged or kept as evidence.
class Variables {
 public:
  struct Value {
    std::string text;
    bool sensitive = false;
    /// The sensitive pieces of `text` (a password inside a URL), so that a log can hide just
    /// them; a value computed by a function from a sensitive input is one piece.
    std::vector<std::string> sensitive_parts;
  };
  void set(std::string name, std::string text, bool sensitive);
  const Value* find(std::string_view name) const;
  /// Every sensitive value, for redaction.
  std::vector<std::string> sensitive_values() const;

  /// Fixes the time that now(), today(), epoch_seconds() and epoch_millis() read (a test's
  /// instant). Unset, each expansion reads the system clock once, so that all the time
  /// functions of one template agree.
  void set_now(std::chrono::system_clock::time_point now) { now_ = now; }
  std::chrono::system_clock::time_point now() const {
    return now_.value_or(std::chrono::system_clock::now());
  }

 private:
  std::map<std::string, Value, std::less<>> values_;
  std::optional<std::chrono::system_clock::time_point> now_;
};

class Template {
 public:
  /// Parses `text`; nullopt with `error` set when a placeholder is malformed or calls an unknown
  /// function or has the wrong number of arguments.
  static std::optional<Template> parse(std::string_view text, std::string& error);
  Template();
  ~Template();
  Template(const Template&);
  Template& operator=(const Template&);
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  /// Every variable name the template reads.
  std::vector<std::string> references() const;
  /// True when there is no placeholder.
  bool is_literal() const;
  const std::string& source() const { return source_; }

  /// The expanded text; nullopt with `error` set when a variable is not set or a transform
  /// refuses its input (an AES key of the wrong length).
  std::optional<Variables::Value> expand(const Variables& variables, std::string& error) const;

  struct Node;

 private:
  std::string source_;
  std::vector<std::shared_ptr<const Node>> parts_;  // literal text and placeholders, in order
};

}  // namespace campus
