#include "probe/registry.h"

namespace campus {
namespace {

struct QueuedProbe {
  std::string name;
  ProbeFactory factory;
  ProbeTypeInfo info;
};

// The registrations made before main(). A function-local static, so that it exists before the
// first registration whatever the order of static initialisation.
std::vector<QueuedProbe>& queued_probes() {
  static std::vector<QueuedProbe> queue;
  return queue;
}

}  // namespace

std::string_view ProbeType::blackbox_phase(std::string_view phase) const {
  for (const auto& [ours, theirs] : info.blackbox_phase_names) {
    if (ours == phase) return theirs;
  }
  return phase;
}

ProbeRegistration::ProbeRegistration(const char* name, ProbeFactory factory, ProbeTypeInfo info) {
  queued_probes().push_back({name, std::move(factory), std::move(info)});
}

ProbeRegistry ProbeRegistry::builtin() {
  ProbeRegistry registry;
  for (const auto& queued : queued_probes())
    registry.add(queued.name, queued.factory, queued.info);
  return registry;
}

bool ProbeRegistry::add(std::string name, ProbeFactory factory, ProbeTypeInfo info) {
  auto [it, inserted] = types_.emplace(name, ProbeType{name, std::move(factory), std::move(info)});
  if (!inserted) return false;
  for (const auto& m : it->second.info.measurements)
    measurements_.emplace(m.name, m);
  return true;
}

ProbeFactory ProbeRegistry::find(std::string_view name) const {
  const auto* t = type(name);
  return t ? t->factory : nullptr;
}

const ProbeType* ProbeRegistry::type(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<std::string> ProbeRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, type] : types_)
    out.push_back(name);
  return out;
}

const MeasurementInfo* ProbeRegistry::measurement(std::string_view name) const {
  auto it = measurements_.find(name);
  return it == measurements_.end() ? nullptr : &it->second;
}

}  // namespace campus
