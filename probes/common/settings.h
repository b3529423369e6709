#pragma once
// Readers for the params several probe types share: the TLS settings, durations, enumerations,
// regular expressions, JSON assertions, form selectors and URL schemes. Each records a problem
// through the YamlValue it reads (file, line, key path), as the config loader does, and returns
// nothing for a value it cannot accept, so that a probe's parser reads every key in one pass.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/html_forms.h"
#include "core/duration.h"
#include "core/json_assertion.h"
#include "core/regex.h"
#include "core/yaml_reader.h"

namespace campus {

enum class TlsVersion { v1_0, v1_1, v1_2, v1_3 };

/// How a probe speaks TLS to its target. Each probe type accepts only the keys it uses.
struct TlsSettings {
  bool verify = true;  ///< verify the peer's chain and name
  std::optional<std::string> ca_file;
  std::optional<std::string> cert_file;  ///< client certificate
  std::optional<std::string> key_file;
  std::optional<std::string> server_name;  ///< SNI and the name to verify, if not the target's
  std::optional<TlsVersion> min_version;
};

/// A key of TlsSettings, as written in a config: verify, ca_file, cert_file, key_file,
/// server_name, min_version ("1.0" to "1.3").
enum class TlsKey { verify, ca_file, cert_file, key_file, server_name, min_version };

/// Reads `keys`, in that order, from `reader` into `out`. Keys not in `keys` are left alone, so
/// the reader's finish() reports them as unknown.
void read_tls_keys(YamlMapReader& reader, TlsSettings& out, std::initializer_list<TlsKey> keys);

/// Reads a mapping of `keys` (e.g. a check's `tls:`) into `out` and reports any other key.
void read_tls_block(const YamlValue& value, TlsSettings& out, std::initializer_list<TlsKey> keys);

/// A duration ("500ms", "10s", "5m", "1h"); records "expected a duration like 500ms, 10s, 5m
/// or 1h, got '...'" for anything else.
std::optional<Duration> read_duration(const YamlValue& value);

/// One accepted spelling of an enumerated setting.
template <typename T>
struct EnumChoice {
  std::string_view name;
  T value;
  bool listed = true;  ///< false: an alias, accepted but not offered in the error message
};

/// Records "expected a, b or c, got '...'" naming the listed `names`.
void report_bad_choice(const YamlValue& value, const std::vector<std::string_view>& names,
                       std::string_view got);

/// Sets `out` to the value of the choice `value` names and returns true; records an error
/// listing the choices and returns false when it names none:
///
///     read_enum(*v, s.scope, {{"base", Scope::base}, {"one", Scope::one}, {"sub", Scope::sub}});
template <typename T>
bool read_enum(const YamlValue& value, T& out, std::initializer_list<EnumChoice<T>> choices) {
  const auto text = value.string();
  if (!text) return false;
  for (const auto& choice : choices) {
    if (choice.name == *text) {
      out = choice.value;
      return true;
    }
  }
  std::vector<std::string_view> names;
  for (const auto& choice : choices) {
    if (choice.listed) names.push_back(choice.name);
  }
  report_bad_choice(value, names, *text);
  return false;
}

/// A regular expression; records "bad regular expression /.../: why" when it does not compile.
std::optional<Regex> read_regex(const YamlValue& value);
/// One pattern or a list of them; each that does not compile is reported where it is written.
std::vector<Regex> read_regex_list(const YamlValue& value);

/// A list of JSON assertions ("/status == ok"); each bad one is reported on the list.
std::vector<JsonAssertion> read_json_assertions(const YamlValue& value);

/// `resolve: ["host:port:address", ...]`: curl's --resolve entries, to reach a named virtual
/// host on a given address without DNS (split-horizon campus names, test servers).
std::vector<std::string> read_resolve_list(const YamlValue& value);

/// A form chosen by any of id, name, action (a substring) and index.
FormSelector read_form_selector(const YamlValue& value);

/// Whether `url` starts with one of `schemes` and "://" (e.g. {"http", "https"}).
bool has_url_scheme(std::string_view url, std::initializer_list<std::string_view> schemes);

/// Whether `url` has one of `schemes`; if not, records `message` at `at` (by default "expected
/// an http:// or https:// URL", naming `schemes`).
bool check_url_scheme(const YamlValue& at, std::string_view url,
                      std::initializer_list<std::string_view> schemes,
                      std::string_view message = {});

}  // namespace campus
