#pragma once
// The key indicators of the benchmark-school informatization monitoring indicators, as data.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campus {

/// The two editions of the official table: 高职 (higher vocational) and 中职 (secondary).
enum class Edition { higher, secondary };

std::string_view to_string(Edition edition);
/// "higher" or "secondary"; nullopt for anything else.
std::optional<Edition> parse_edition(std::string_view name);
/// The id prefix of an edition: "H" or "S".
std::string_view id_prefix(Edition edition);

/// A kind of check that usually proves an indicator, as advice for whoever writes the config.
struct SuggestedCheck {
  std::string system;               ///< e.g. sso, lms, library
  std::vector<std::string> probes;  ///< probe types, e.g. cas, oidc
  std::string what;                 ///< what such a check does, in English
};

/// One key indicator (关键指标) with its place in the hierarchy
/// dimension → main scene → sub-scene. Positions are 1-based, in the table's order, and make up
/// the id: `H-d.m.s.n` / `S-d.m.s.n`.
struct Indicator {
  Edition edition = Edition::higher;
  std::string id;
  int dimension_position = 0;
  int main_scene_position = 0;
  int sub_scene_position = 0;
  int position = 0;  ///< within the sub-scene

  std::string dimension;
  std::string dimension_en;
  std::string main_scene;
  std::string main_scene_en;
  std::string sub_scene;
  std::string sub_scene_en;
  std::string description;  ///< the sub-scene's 场景说明
  std::string description_en;
  std::string text;  ///< the key indicator, verbatim Chinese
  std::string text_en;
  std::vector<SuggestedCheck> suggested_checks;
};

}  // namespace campus
