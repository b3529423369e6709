// Every example config in the repository loads: the probes' example.yaml files and configs/*.yaml.
// Docs cannot drift from the code unnoticed.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"

using namespace campus;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> example_files() {
  std::vector<fs::path> out;
  const fs::path root(CAMPUS_SOURCE_DIR);
  for (const char* dir : {"probes", "plugins"}) {
    for (const auto& entry : fs::directory_iterator(root / dir)) {
      if (fs::exists(entry.path() / "example.yaml")) out.push_back(entry.path() / "example.yaml");
    }
  }
  for (const auto& entry : fs::directory_iterator(root / "configs")) {
    if (entry.path().extension() == ".yaml") out.push_back(entry.path());
  }
  return out;
}

}  // namespace

TEST_CASE("every example config loads without problems") {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes = ProbeRegistry::builtin();
  // Any environment variable an example names counts as set.
  const auto env = [](const std::string&) -> std::optional<std::string> { return "example"; };
  const auto files = example_files();
  CHECK(files.size() >= 5);
  for (const auto& path : files) {
    CAPTURE(path.string());
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    // Vendor scripts of the examples are installed under /usr/local/lib/campus-probe; the
    // repository's copies live in tests/plugins.
    for (std::size_t at; (at = yaml.find("/usr/local/lib/campus-probe/")) != std::string::npos;) {
      yaml.replace(at, std::string_view("/usr/local/lib/campus-probe/").size(),
                   CAMPUS_SOURCE_DIR "/tests/plugins/");
    }
    // Secret files live under /etc/campus-probe on a real server: check everything else, as
    // `check-config --skip-secrets` does before the secrets are provisioned.
    ConfigLoadOptions options{catalog, env};
    options.secrets_may_be_missing = true;
    Diagnostics diagnostics;
    auto plan = load_plan_text(path.string(), yaml, options, probes, diagnostics);
    INFO(diagnostics.str());
    CHECK(plan.has_value());
    if (plan) CHECK_FALSE(plan->checks.empty());
  }
}
