#pragma once
// Probe types by name. Each probe's own folder registers its type with a ProbeRegistration (or
// CAMPUS_REGISTER_PROBE); that only queues the registration, and the agent builds its registry
// explicitly at start-up, so static initialisation order never matters and no central list
// names every probe. A type declares its measurements when it registers: the agent takes their
// metric help texts and blackbox_exporter names from here and keeps no list of its own.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probe/probe.h"

namespace campus {

/// A measurement a probe type reports (ProbeResult::measurements or labelled_measurements).
/// Its metric is campus_probe_<name>.
struct MeasurementInfo {
  std::string name;
  std::string help;
  /// blackbox_exporter's name for it on /probe, when blackbox has one (e.g.
  /// probe_http_status_code); empty means probe_<name>.
  std::string blackbox_name = {};
};

/// What a probe type says of itself when it registers.
struct ProbeTypeInfo {
  std::vector<MeasurementInfo> measurements;
  /// The metric /probe names phase durations with; blackbox_exporter's http prober uses
  /// probe_http_duration_seconds, so dashboards built for it work unchanged.
  std::string blackbox_phase_metric = "probe_phase_duration_seconds";
  /// Phases blackbox_exporter calls by another name (http: dns is "resolve").
  std::vector<std::pair<std::string, std::string>> blackbox_phase_names = {};
  /// Whether a check of this type may name a shared login (`session:`): its probe starts from
  /// ProbeContext::session and reports ProbeContext::session_rejected.
  bool uses_session = false;
  /// Whether this type can be a session's login: its probe fills ProbeContext::capture.
  bool logs_in = false;
};

struct ProbeType {
  std::string name;
  ProbeFactory factory;
  ProbeTypeInfo info;

  /// blackbox_exporter's name for phase `phase` of this type.
  std::string_view blackbox_phase(std::string_view phase) const;
};

/// Immutable once built; safe to read from any thread.
class ProbeRegistry {
 public:
  /// A registry holding every built-in probe type queued by a ProbeRegistration.
  static ProbeRegistry builtin();

  /// Adds a type; returns false if the name is taken.
  bool add(std::string name, ProbeFactory factory, ProbeTypeInfo info = {});
  ProbeFactory find(std::string_view name) const;
  const ProbeType* type(std::string_view name) const;
  std::vector<std::string> names() const;
  /// The measurement as the first type (by name) that declares it has it, or nullptr.
  const MeasurementInfo* measurement(std::string_view name) const;

 private:
  std::map<std::string, ProbeType, std::less<>> types_;
  std::map<std::string, MeasurementInfo, std::less<>> measurements_;  // first declaration wins
};

/// Queues a built-in probe type for ProbeRegistry::builtin(). Define one at namespace scope in
/// the probe's own source file; the probe's library is an object library, so the linker keeps it:
///
///     const ProbeRegistration banner{"banner",
///                                    probe_from_settings<BannerProbe>(parse_banner_settings),
///                                    {.measurements = {...}}};
class ProbeRegistration {
 public:
  ProbeRegistration(const char* name, ProbeFactory factory, ProbeTypeInfo info = {});
};

/// A factory for probes of class `P`, constructed from the settings `parse(setup)` returns (an
/// optional or a pointer); nullptr when parsing recorded problems.
template <typename P, typename Parse>
ProbeFactory probe_from_settings(Parse parse) {
  return [parse](ProbeSetup& setup) -> std::unique_ptr<Probe> {
    auto settings = parse(setup);
    if (!settings) return nullptr;
    return std::make_unique<P>(std::move(*settings));
  };
}

}  // namespace campus

/// Registers a built-in probe type from its own source file: a name, a factory (anything a
/// ProbeFactory is made from) and optionally the designated initialisers of its ProbeTypeInfo:
///
///     CAMPUS_REGISTER_PROBE("banner", probe_from_settings<BannerProbe>(parse_banner_settings),
///                           .measurements = {{"banner_bytes", "Bytes of the banner read"}});
#define CAMPUS_REGISTER_PROBE_CAT2(a, b) a##b
#define CAMPUS_REGISTER_PROBE_CAT(a, b) CAMPUS_REGISTER_PROBE_CAT2(a, b)
#define CAMPUS_REGISTER_PROBE(name, factory, ...)                                                \
  static const ::campus::ProbeRegistration CAMPUS_REGISTER_PROBE_CAT(campus_probe_registration_, \
                                                                     __LINE__) {                 \
    name, factory, ::campus::ProbeTypeInfo {                                                     \
      __VA_ARGS__                                                                                \
    }                                                                                            \
  }
