#pragma once
// A YAML node as JSON, for params handed on as JSON (a scenario's JSON body, a native plugin's
// params): plain scalars keep their YAML meaning (true, 3, 2.5), quoted ones stay strings.

#include <nlohmann/json.hpp>

#include "core/yaml_reader.h"

namespace campus {

/// Throws std::length_error when the value would expand to more than 100,000 nodes or nest deeper
/// than 64 levels: YAML aliases let a few lines stand for gigabytes (an alias bomb).
nlohmann::json yaml_to_json(const YamlValue& value);

}  // namespace campus
