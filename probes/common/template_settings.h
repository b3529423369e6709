#pragma once
// Reading templates from a check's params: a malformed one, or a ${secret.SET.FIELD} naming a
// secret that is not there, is a config error with its line, found when the config loads.

#include <optional>
#include <string>
#include <vector>

#include "common/template.h"
#include "core/secrets.h"
#include "core/yaml_reader.h"

namespace campus {

/// A secret value a template reads as ${secret.SET.FIELD}.
struct SecretReference {
  std::string name;  ///< "secret.SET.FIELD"
  std::string value;
  bool sensitive = true;  ///< false only for a username
};

/// Reads a templated string; records a config error naming the key when malformed.
std::optional<Template> read_template(const YamlValue& value);

/// Whether a template's reference `name` is a secret's ("secret.SET.FIELD").
bool is_secret_reference(const std::string& name);

/// Resolves the secret reference `name` against `secrets` and adds it to `out` (once); records
/// at `at` a malformed name, a set not defined under secrets, or a field the set lacks.
void add_secret_reference(const SecretStore& secrets, const std::string& name, const YamlValue& at,
                          std::vector<SecretReference>& out);

/// Sets each resolved secret as a variable, sensitive unless it is a username.
void set_secret_variables(Variables& variables, const std::vector<SecretReference>& secrets);

}  // namespace campus
