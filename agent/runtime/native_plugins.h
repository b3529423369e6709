#pragma once
// Native probe plugins: shared libraries speaking the C ABI of plugins/include/campus_probe/
// plugin.h. Loading checks the ABI version and the entry point, refuses a probe type that is
// already taken, and registers factories that keep their library loaded for as long as a probe
// made from it exists. Runs go to the worker pool with the run's deadline.

#include <string>
#include <vector>

#include "core/yaml_reader.h"
#include "probe/registry.h"

namespace campus {

/// Loads every `*.so` of `dirs` (in name order) into `registry`. Problems are recorded at `at`
/// (the config key that named the directories); a plugin with a problem adds no type.
void load_native_plugins(const std::vector<std::string>& dirs, ProbeRegistry& registry,
                         const YamlValue& at);

}  // namespace campus
