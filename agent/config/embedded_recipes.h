#pragma once
// The recipes of configs/recipes/, compiled into the binary so that a deployed agent needs no
// data files beside it. The definition is generated at build time (cmake/embed_files.cmake).

#include <span>

#include "catalog/embedded_catalogs.h"

namespace campus {

std::span<const EmbeddedFile> embedded_recipe_files();

}  // namespace campus
