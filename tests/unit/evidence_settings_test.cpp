// The evidence section's backlog bound: its keys, defaults and refusals.

#include <string>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "config/config.h"

using namespace campus;

namespace {

struct EvidenceSettingsFixture {
  Catalog catalog = Catalog::builtin();
  Diagnostics diagnostics;

  std::optional<LoadedConfig> load(const std::string& evidence) {
    diagnostics = Diagnostics();
    const ConfigLoadOptions options{
        catalog, [](const std::string&) -> std::optional<std::string> { return std::nullopt; }};
    return load_config_text("campus.yaml",
                            "evidence: {dir: /tmp/campus-evidence" + evidence +
                                "}\nchecks:\n  - {id: a, probe: tcp, target: \"127.0.0.1:1\"}\n",
                            options, diagnostics);
  }
};

}  // namespace

TEST_CASE_FIXTURE(EvidenceSettingsFixture, "the evidence backlog is 16 MiB and 65536 records") {
  const auto loaded = load("");
  REQUIRE(loaded);
  CHECK(loaded->config.evidence.backlog_max_bytes == 16u << 20);
  CHECK(loaded->config.evidence.backlog_max_records == 65536);
}

TEST_CASE_FIXTURE(EvidenceSettingsFixture, "the evidence backlog bound can be set") {
  const auto loaded = load(", backlog_max_bytes: 64MiB, backlog_max_records: 1000");
  REQUIRE(loaded);
  INFO(diagnostics.str());
  CHECK(loaded->config.evidence.backlog_max_bytes == 64u << 20);
  CHECK(loaded->config.evidence.backlog_max_records == 1000);
}

TEST_CASE_FIXTURE(EvidenceSettingsFixture, "an evidence backlog bound out of range is refused") {
  load(", backlog_max_bytes: 100KiB");
  CHECK(diagnostics.str() ==
        "campus.yaml:1:58: evidence.backlog_max_bytes: expected a size from 1MiB to 4GiB, e.g. "
        "16MiB (units: KiB, MiB, GiB)\n");
  load(", backlog_max_bytes: lots");
  CHECK(diagnostics.str().find("expected a size from 1MiB to 4GiB") != std::string::npos);
  load(", backlog_max_records: 3");
  CHECK(diagnostics.str().find("evidence.backlog_max_records:") != std::string::npos);
}
