#pragma once
// Recipes: named, parameterised check definitions for campus products (a Wisedu ehall app, a
// Moodle site, a Synjones one-card platform, ...), so that a campus writes
//
//     - id: timetable
//       recipe: wisedu-ehall-app
//       with: {ehall: "https://ehall.example.edu.cn", app_id: "4770397878132218", ...}
//
// instead of copying a 40-line scenario. A recipe file (configs/recipes/NAME.yaml, built in, or
// a campus's own under agent.recipe_dirs) holds `recipe: NAME`, a `summary`, the `system` and
// `products` it covers, the `indicators` it usually proves, its `params` (each with a
// `description`, and a `default` when optional) and the `check` it expands to, where
// `{{param}}` stands for a parameter's value: inside a string, or as a whole value (which may
// then be a list or a mapping; a key whose whole value is a parameter left at a null default
// is dropped). Expansion happens when the config loads; every node of an
// expanded check keeps its place in the recipe file, so a problem names the recipe line and the
// check that used it.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/yaml_reader.h"

namespace campus {

struct RecipeParam {
  std::string name;
  std::string description;
  std::optional<YamlSubtree> default_value;  ///< absent: the parameter is required
};

struct Recipe {
  std::string name;
  std::string file;  ///< where it was read from (configs/recipes/NAME.yaml when built in)
  std::string text;  ///< the file, parsed again for each use so that each has its own nodes
  std::string summary;
  std::string system;
  std::vector<std::string> products;
  std::vector<std::string> indicators;
  std::vector<std::string> confirm;  ///< facts of the product a campus should confirm
  std::vector<RecipeParam> params;

  const RecipeParam* param(std::string_view name) const;
};

/// The recipes a config can use: the built-in ones, then those of agent.recipe_dirs (a campus
/// recipe of the same name replaces the built-in one).
class RecipeBook {
 public:
  /// The built-in recipes only.
  static const RecipeBook& builtin();

  /// The built-in recipes plus every NAME.yaml in `dirs`; problems of the files go to
  /// `diagnostics`, those of the directories to `where`.
  static RecipeBook load(const std::vector<std::string>& dirs, const YamlValue* where,
                         Diagnostics& diagnostics);

  const Recipe* find(std::string_view name) const;
  std::vector<const Recipe*> all() const;
  std::string names() const;

 private:
  void add(std::string file, std::string text, Diagnostics& diagnostics);
  std::map<std::string, std::shared_ptr<const Recipe>, std::less<>> recipes_;
};

/// One use of a recipe, expanded: the recipe's `check` with the parameters filled in, as a
/// YamlValue of its own source (the recipe file), whose path names the check that used it.
struct RecipeExpansion {
  std::unique_ptr<YamlSource> source;
  std::optional<YamlValue> check;
};

/// Expands `recipe` for the check at `use` (whose `with` is `with`, when given). Problems of
/// the use (an unknown or missing parameter) are recorded at the use; returns an expansion
/// without a check when there were any.
RecipeExpansion expand_recipe(const Recipe& recipe, const YamlValue& use,
                              const std::optional<YamlValue>& with, const std::string& path,
                              Diagnostics& diagnostics);

}  // namespace campus
