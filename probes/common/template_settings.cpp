#include "common/template_settings.h"

#include <algorithm>

namespace campus {

std::optional<Template> read_template(const YamlValue& value) {
  auto text = value.string();
  if (!text) return std::nullopt;
  std::string error;
  auto t = Template::parse(*text, error);
  if (!t) value.error(error);
  return t;
}

bool is_secret_reference(const std::string& name) {
  return name.rfind("secret.", 0) == 0;
}

void add_secret_reference(const SecretStore& secrets, const std::string& name, const YamlValue& at,
                          std::vector<SecretReference>& out) {
  if (std::any_of(out.begin(), out.end(), [&](const auto& r) { return r.name == name; })) return;
  const auto first = name.find('.');
  const auto second = name.find('.', first + 1);
  if (second == std::string::npos) {
    at.error("${" + name + "}: expected ${secret.NAME.FIELD}");
    return;
  }
  const std::string set_name = name.substr(first + 1, second - first - 1);
  const std::string field = name.substr(second + 1);
  const SecretSet* set = secrets.find(set_name);
  if (!set) {
    at.error("secret '" + set_name + "' is not defined under secrets");
    return;
  }
  if (field != "username" && field != "password" && field != "token" && field != "secret") {
    at.error("${" + name + "}: a secret has username, password, token or secret");
    return;
  }
  const std::optional<std::string> value = set->field(field);
  if (!value) {
    at.error("${" + name + "}: secret '" + set_name + "' has no " + field);
    return;
  }
  out.push_back({name, *value, field != "username"});
}

void set_secret_variables(Variables& variables, const std::vector<SecretReference>& secrets) {
  for (const auto& secret : secrets)
    variables.set(secret.name, secret.value, secret.sensitive);
}

}  // namespace campus
