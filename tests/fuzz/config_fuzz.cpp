// Fuzz target: the YAML config loader. Any text must load or be refused with diagnostics,
// never crash. The file is named in a directory that does not exist, so that relative `*_file`
// paths and recipe folders resolve to nothing; secrets come from a fixed environment.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "config/config.h"
#include "core/diagnostic.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const campus::Catalog catalog = campus::Catalog::builtin();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const bool skip_secrets : {false, true}) {
    campus::ConfigLoadOptions options{catalog};
    options.env = [](const std::string& name) -> std::optional<std::string> {
      if (name == "CAMPUS_FUZZ_UNSET") return std::nullopt;
      return "secret-of-" + name;
    };
    options.secrets_may_be_missing = skip_secrets;
    campus::Diagnostics diagnostics;
    const auto loaded = campus::load_config_text("/nonexistent-campus-fuzz/campus.yaml", input,
                                                 options, diagnostics);
    (void)diagnostics.str();
    if (loaded) (void)campus::config_summary(loaded->config, catalog);
  }
  return 0;
}
