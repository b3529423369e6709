#include "common/settings.h"

#include <algorithm>
#include <utility>

namespace campus {

void read_tls_keys(YamlMapReader& reader, TlsSettings& out, std::initializer_list<TlsKey> keys) {
  for (const TlsKey key : keys) {
    switch (key) {
      case TlsKey::verify:
        if (auto v = reader.get("verify")) out.verify = v->boolean().value_or(true);
        break;
      case TlsKey::ca_file:
        if (auto v = reader.get("ca_file")) out.ca_file = v->text();
        break;
      case TlsKey::cert_file:
        if (auto v = reader.get("cert_file")) out.cert_file = v->text();
        break;
      case TlsKey::key_file:
        if (auto v = reader.get("key_file")) out.key_file = v->text();
        break;
      case TlsKey::server_name:
        if (auto v = reader.get("server_name")) out.server_name = v->text();
        break;
      case TlsKey::min_version:
        if (auto v = reader.get("min_version")) {
          TlsVersion version{};
          if (read_enum(*v, version,
                        {{"1.0", TlsVersion::v1_0},
                         {"1.1", TlsVersion::v1_1},
                         {"1.2", TlsVersion::v1_2},
                         {"1.3", TlsVersion::v1_3}})) {
            out.min_version = version;
          }
        }
        break;
    }
  }
}

void read_tls_block(const YamlValue& value, TlsSettings& out, std::initializer_list<TlsKey> keys) {
  auto reader = value.map();
  read_tls_keys(reader, out, keys);
  reader.finish();
}

std::optional<Duration> read_duration(const YamlValue& value) {
  const auto text = value.string();
  if (!text) return std::nullopt;
  auto d = parse_duration(*text);
  if (!d) value.error("expected a duration like 500ms, 10s, 5m or 1h, got '" + *text + "'");
  return d;
}

void report_bad_choice(const YamlValue& value, const std::vector<std::string_view>& names,
                       std::string_view got) {
  std::string message = "expected ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) message += i + 1 == names.size() ? " or " : ", ";
    message += names[i];
  }
  message += ", got '";
  message += got;
  message += "'";
  value.error(message);
}

std::optional<Regex> read_regex(const YamlValue& value) {
  const auto pattern = value.string();
  if (!pattern) return std::nullopt;
  std::string error;
  auto re = Regex::compile(*pattern, error);
  if (!re) value.error("bad regular expression /" + *pattern + "/: " + error);
  return re;
}

std::vector<Regex> read_regex_list(const YamlValue& value) {
  std::vector<Regex> out;
  if (value.is_scalar()) {
    if (auto re = read_regex(value)) out.push_back(std::move(*re));
    return out;
  }
  for (const auto& item : value.items()) {
    if (auto re = read_regex(item)) out.push_back(std::move(*re));
  }
  return out;
}

std::vector<JsonAssertion> read_json_assertions(const YamlValue& value) {
  std::vector<JsonAssertion> out;
  const auto list = value.string_list();
  if (!list) return out;
  for (const auto& text : *list) {
    std::string error;
    if (auto a = JsonAssertion::parse(text, error)) {
      out.push_back(std::move(*a));
    } else {
      value.error(error);
    }
  }
  return out;
}

FormSelector read_form_selector(const YamlValue& value) {
  FormSelector form;
  auto reader = value.map();
  if (auto v = reader.get("id")) form.id = v->text();
  if (auto v = reader.get("name")) form.name = v->text();
  if (auto v = reader.get("action")) form.action = v->text();
  if (auto v = reader.get("index")) {
    if (auto n = v->integer(0, 1000)) form.index = std::size_t(*n);
  }
  reader.finish();
  return form;
}

bool has_url_scheme(std::string_view url, std::initializer_list<std::string_view> schemes) {
  for (const std::string_view scheme : schemes) {
    if (url.starts_with(scheme) && url.substr(scheme.size()).starts_with("://")) return true;
  }
  return false;
}

bool check_url_scheme(const YamlValue& at, std::string_view url,
                      std::initializer_list<std::string_view> schemes, std::string_view message) {
  if (has_url_scheme(url, schemes)) return true;
  if (!message.empty()) {
    at.error(message);
    return false;
  }
  std::string expected = "expected an ";
  std::size_t i = 0;
  for (const std::string_view scheme : schemes) {
    if (i > 0) expected += i + 1 == schemes.size() ? " or " : ", ";
    expected += scheme;
    expected += "://";
    ++i;
  }
  expected += " URL";
  at.error(expected);
  return false;
}

std::vector<std::string> read_resolve_list(const YamlValue& value) {
  std::vector<std::string> entries;
  if (auto list = value.string_list()) {
    for (const auto& entry : *list) {
      if (std::count(entry.begin(), entry.end(), ':') < 2) {
        value.error("expected entries like auth.example.edu.cn:443:10.0.0.5, got \"" + entry +
                    "\"");
      } else {
        entries.push_back(entry);
      }
    }
  }
  return entries;
}

}  // namespace campus
