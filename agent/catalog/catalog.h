#pragma once
// Loading and validating the indicator catalogs (configs/indicators/*.yaml).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/indicator.h"
#include "core/diagnostic.h"

namespace campus {

/// All indicators of one edition, in the official order.
struct EditionCatalog {
  Edition edition = Edition::higher;
  std::string title;     ///< the table's Chinese title
  std::string title_en;  ///< its English rendering
  std::vector<Indicator> indicators;
};

/// The indicators of every loaded edition. Immutable once loaded; safe to share between threads.
class Catalog {
 public:
  /// Parses one catalog file. On any problem returns nullopt and records every problem found,
  /// each naming `file_name`, the line and what is wrong.
  static std::optional<EditionCatalog> parse(std::string_view file_name, std::string_view text,
                                             Diagnostics& diagnostics);

  /// The catalogs compiled into the binary from configs/indicators/. They are validated by the
  /// unit tests, so this only fails if the binary itself is broken.
  static Catalog builtin();

  /// Loads catalog files from disk (e.g. to try an edited catalog); one file per edition.
  static std::optional<Catalog> load_files(const std::vector<std::string>& paths,
                                           Diagnostics& diagnostics);

  /// Adds an edition; records an error if that edition is already present.
  bool add(EditionCatalog edition, std::string_view file_name, Diagnostics& diagnostics);

  const std::vector<EditionCatalog>& editions() const { return editions_; }
  const EditionCatalog* edition(Edition e) const;
  /// The indicator with this id in any edition, or nullptr.
  const Indicator* find(std::string_view id) const;

 private:
  std::vector<EditionCatalog> editions_;
};

}  // namespace campus
