#include "probe/probe.h"

namespace campus {

std::chrono::milliseconds ProbeContext::remaining() const {
  const auto left = deadline - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(left);
}

const SecretSet* ProbeSetup::secret_set(const YamlValue& value) const {
  auto name = value.string();
  if (!name) return nullptr;
  const SecretSet* set = secrets.find(*name);
  if (!set) value.error("secret '" + *name + "' is not defined under secrets");
  return set;
}

std::optional<ProbeSetup::Account> ProbeSetup::account(const YamlValue& value,
                                                       std::string_view what) const {
  const SecretSet* set = secret_set(value);
  if (!set) return std::nullopt;
  if (!set->username || !set->password) {
    value.error(std::string(what) + " needs a secret with username and password");
    return std::nullopt;
  }
  return Account{*set->username, *set->password};
}

std::optional<HostPort> ProbeSetup::host_port_target(std::string_view example) const {
  auto parsed = parse_host_port(target);
  if (!parsed) target_value.error("expected host:port, e.g. " + std::string(example));
  return parsed;
}

}  // namespace campus
