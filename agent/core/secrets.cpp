#include "core/secrets.h"

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
  return out;
}

}  // namespace campus
