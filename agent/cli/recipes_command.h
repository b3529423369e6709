#pragma once
// `campus-probe recipes [NAME]`: the recipes a config can use, or one recipe in full.

#include <ostream>
#include <string>

#include "config/recipes.h"

namespace campus {

/// Lists every recipe (name, system, summary), or with `name` shows that recipe's products,
/// indicators, parameters, facts to confirm and the check it expands to. Returns false when
/// there is no recipe of that name.
bool print_recipes(const RecipeBook& book, const std::string& name, std::ostream& out);

}  // namespace campus
