#include "core/secrets.h"

#include "core/redactor.h"

namespace campus {

const SecretSet* SecretStore::find(std::string_view name) const {
  auto it = sets_.find(name);
  return it == sets_.end() ? nullptr : &it->second;
}

std::vector<std::string> SecretStore::names() const {
  std::vector<std::string> out;
  for (const auto& [name, set] : sets_)
    out.push_back(name);
  return out;
}

std::vector<std::string> SecretStore::values() const {
  std::vector<std::string> out;
  for (const auto& [name, set] : sets_) {
    for (const auto* s : {&set.password, &set.token, &set.secret}) {
      if (*s && !(*s)->empty()) out.push_back((*s)->value());
    }
  }
  for (auto& derived : derived_values())
    out.push_back(std::move(derived));
  return out;
}

std::vector<std::string> SecretStore::derived_values() const {
  std::vector<std::string> out;
  auto add = [&](std::vector<std::string> forms) {
    for (auto& form : forms) {
      if (form.size() >= 8) out.push_back(std::move(form));
    }
  };
  for (const auto& [name, set] : sets_) {
    if (set.username && set.password && !set.password->empty()) {
      add(basic_credential_forms(*set.username, set.password->value()));
    }
    for (const auto* s : {&set.password, &set.token, &set.secret}) {
      if (*s && !(*s)->empty()) add(base64_forms((*s)->value()));
    }
  }
  return out;
}

}  // namespace campus
