#pragma once
// The status page's files, compiled in from agent/daemon/ by cmake/embed_files.cmake.

#include <span>

#include "catalog/embedded_catalogs.h"

namespace campus {

std::span<const EmbeddedFile> embedded_status_page_files();

}  // namespace campus
