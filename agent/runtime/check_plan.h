#pragma once
// The build step between the config (plain data) and the runtime: loads the config's native
// plugins, creates each check's probe from the registry (the probe type reads and validates its
// own params here), and hands the scheduler checks that can run.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "probe/probe.h"
#include "probe/registry.h"

namespace campus {

/// A check that can run: its spec and the probe built from it. Immutable; shared by the
/// scheduler, runs in flight and (as a CheckSpec) the result pipeline.
struct Check : CheckSpec {
  std::shared_ptr<Probe> probe;
};

/// A shared login with its login probe: the login runs as a check of its own (id
/// `session:NAME`, no indicators) whose probe leaves its cookie jar behind.
struct SessionLogin {
  std::shared_ptr<const SessionSpec> spec;
  std::shared_ptr<const Check> login;
};

/// A config with its probes built. The config's checks are the plan's Checks, seen as specs.
struct CheckPlan {
  std::shared_ptr<const Config> config;
  std::vector<std::shared_ptr<const Check>> checks;
  /// Shared logins by name.
  std::map<std::string, std::shared_ptr<const SessionLogin>, std::less<>> sessions;
  /// Secrets that could not be read (only when ConfigLoadOptions::secrets_may_be_missing).
  std::vector<std::string> missing_secrets;
  /// The built-in probe types plus the config's native plugins; the plugins stay loaded while a
  /// probe made from them exists.
  ProbeRegistry probes;

  /// The check with this id, or nullptr. O(1).
  const std::shared_ptr<const Check>* find(std::string_view id) const;

 private:
  friend std::optional<CheckPlan> build_plan(LoadedConfig loaded, const ProbeRegistry& builtin,
                                             Diagnostics& diagnostics);
  std::unordered_map<std::string_view, std::size_t> by_id_;
};

/// Builds the probes of a loaded config. Problems go to `diagnostics` in the loader's
/// `file:line:col: key.path: message` form; returns nullopt when there is any problem at all,
/// including those the loader found.
std::optional<CheckPlan> build_plan(LoadedConfig loaded, const ProbeRegistry& builtin,
                                    Diagnostics& diagnostics);

/// Loads, validates and builds in one go: what the daemon and the CLI do.
std::optional<CheckPlan> load_plan_file(const std::string& path, const ConfigLoadOptions& options,
                                        const ProbeRegistry& builtin, Diagnostics& diagnostics);
std::optional<CheckPlan> load_plan_text(const std::string& file_name, std::string_view text,
                                        const ConfigLoadOptions& options,
                                        const ProbeRegistry& builtin, Diagnostics& diagnostics);

}  // namespace campus
