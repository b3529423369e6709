#pragma once
// `campus-probe indicators`: print the indicator catalog.

#include <optional>
#include <ostream>

#include "catalog/catalog.h"

namespace campus {

enum class IndicatorFormat { table, json };

/// Writes the indicators of `edition` (or of every edition) in the given format.
void print_indicators(const Catalog& catalog, std::optional<Edition> edition,
                      IndicatorFormat format, std::ostream& out);

}  // namespace campus
