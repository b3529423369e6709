#pragma once
// The catalog files of configs/indicators/, compiled into the binary so that a deployed agent
// needs no data files beside it. The definition is generated at build time (cmake/embed_files).

#include <span>
#include <string_view>

namespace campus {

struct EmbeddedFile {
  std::string_view name;     ///< repository-relative path, used in error messages
  std::string_view content;  ///< the file's bytes
};

std::span<const EmbeddedFile> embedded_catalog_files();

}  // namespace campus
