#pragma once
// Probe types by name. Each probe's own folder registers it with CAMPUS_REGISTER_PROBE; the
// macro only queues the registration, and the agent builds its registry explicitly at start-up,
// so static initialisation order never matters and no central list names every probe.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "probe/probe.h"

namespace campus {

class ProbeRegistry {
 public:
  /// A registry holding every built-in probe type queued by CAMPUS_REGISTER_PROBE.
  static ProbeRegistry builtin();

  /// Adds a type; returns false if the name is taken.
  bool add(std::string name, ProbeFactory factory);
  ProbeFactory find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, ProbeFactory, std::less<>> factories_;
};

namespace detail {
struct QueuedProbe {
  const char* name;
  std::unique_ptr<Probe> (*factory)(ProbeSetup& setup);
};
/// The registrations queued by CAMPUS_REGISTER_PROBE before main().
std::vector<QueuedProbe>& queued_probes();
struct ProbeRegistrar {
  ProbeRegistrar(const char* name, std::unique_ptr<Probe> (*factory)(ProbeSetup& setup)) {
    queued_probes().push_back({name, factory});
  }
};
}  // namespace detail

}  // namespace campus

/// Registers a built-in probe type from its own source file. The probes library is an object
/// library so the linker keeps every registrar.
#define CAMPUS_REGISTER_PROBE(name, factory)                                       \
  static const ::campus::detail::ProbeRegistrar campus_probe_registrar_##factory { \
    name, &factory                                                                 \
  }
