#include "probe/registry.h"

namespace campus {

namespace detail {
std::vector<QueuedProbe>& queued_probes() {
  static std::vector<QueuedProbe> queue;
  return queue;
}
}  // namespace detail

ProbeRegistry ProbeRegistry::builtin() {
  ProbeRegistry registry;
  for (const auto& queued : detail::queued_probes())
    registry.add(queued.name, queued.factory);
  return registry;
}

bool ProbeRegistry::add(std::string name, ProbeFactory factory) {
  return factories_.emplace(std::move(name), factory).second;
}

ProbeFactory ProbeRegistry::find(std::string_view name) const {
  auto it = factories_.find(name);
  return it == factories_.end() ? nullptr : it->second;
}

std::vector<std::string> ProbeRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, factory] : factories_)
    out.push_back(name);
  return out;
}

}  // namespace campus
