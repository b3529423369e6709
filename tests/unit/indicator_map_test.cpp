// The info series that name key indicators and map checks onto them (campus_indicator_info,
// campus_check_indicator): the alert rules and the dashboard join on them, so they must follow
// the config exactly, on start and on every reload.

#include <algorithm>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "pipeline/result_pipeline.h"
#include "sinks/metrics.h"

using namespace campus;

namespace {

struct MappedCheck {
  std::string id;
  std::string system;
  std::vector<std::string> indicators;
};

std::shared_ptr<const Config> mapped_config(std::vector<Edition> editions,
                                            const std::vector<MappedCheck>& checks) {
  auto config = std::make_shared<Config>();
  config->editions = std::move(editions);
  for (const auto& m : checks) {
    auto c = std::make_shared<CheckSpec>();
    c->id = m.id;
    c->probe_type = "http";
    c->fingerprint = m.id;
    c->labels["system"] = m.system;
    c->indicators = m.indicators;
    config->checks.push_back(std::move(c));
  }
  config->index_checks();
  return config;
}

// The sample lines of one metric, as exposed.
std::set<std::string> samples_of(const std::string& text, const std::string& metric) {
  std::set<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(metric + "{", 0) == 0) out.insert(line);
  }
  return out;
}

// A label value as the text format writes it.
std::string exposed_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string info_line(const Indicator& i) {
  return "campus_indicator_info{dimension=\"" + exposed_value(i.dimension) + "\",edition=\"" +
         std::string(to_string(i.edition)) + "\",indicator=\"" + i.id + "\",indicator_text=\"" +
         exposed_value(i.text) + "\",indicator_text_en=\"" + exposed_value(i.text_en) +
         "\",scene=\"" + exposed_value(i.main_scene) + "\"} 1";
}

std::string mapping_line(const std::string& check, const std::string& system, const Indicator& i) {
  return "campus_check_indicator{check=\"" + check + "\",edition=\"" +
         std::string(to_string(i.edition)) + "\",indicator=\"" + i.id + "\",indicator_text=\"" +
         exposed_value(i.text) + "\",system=\"" + system + "\"} 1";
}

}  // namespace

TEST_CASE("the agent names every indicator of its editions and maps each check to them") {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes;
  ResultPipeline pipeline(catalog);
  Metrics metrics(catalog, "test");
  pipeline.add(metrics);
  const Indicator& card_h = *catalog.find("H-3.4.1.1");
  const Indicator& card_s = *catalog.find("S-3.4.1.1");
  const Indicator& portal = *catalog.find("H-3.3.1.1");
  const Indicator& web = *catalog.find("H-3.4.3.1");
  REQUIRE(!card_h.text.empty());
  REQUIRE(!card_h.text_en.empty());

  pipeline.set_config(mapped_config({Edition::higher, Edition::secondary},
                                    {{"onecard-turnover", "onecard", {"H-3.4.1.1", "S-3.4.1.1"}},
                                     {"onecard-port", "onecard", {"H-3.4.1.1"}},
                                     {"portal-home", "portal", {"H-3.3.1.1"}},
                                     {"ping", "net", {}}}),
                      probes);
  std::string text = metrics.text();
  // One info series per indicator of each enabled edition, with its wording.
  std::set<std::string> info;
  for (Edition e : {Edition::higher, Edition::secondary}) {
    for (const auto& i : catalog.edition(e)->indicators)
      info.insert(info_line(i));
  }
  CHECK(samples_of(text, "campus_indicator_info") == info);
  CHECK(text.find(info_line(card_h)) != std::string::npos);
  CHECK(text.find("# HELP campus_indicator_info Always 1;") != std::string::npos);
  CHECK(text.find("# HELP campus_check_indicator Always 1") != std::string::npos);
  // One mapping series per check and indicator; a check without indicators has none.
  CHECK(samples_of(text, "campus_check_indicator") ==
        std::set<std::string>{mapping_line("onecard-turnover", "onecard", card_h),
                              mapping_line("onecard-turnover", "onecard", card_s),
                              mapping_line("onecard-port", "onecard", card_h),
                              mapping_line("portal-home", "portal", portal)});

  SUBCASE("a reload removes the series of a removed check and renews those of a changed one") {
    // onecard-port is gone, onecard-turnover now proves a different indicator, portal-home moved
    // to another system.
    pipeline.set_config(mapped_config({Edition::higher, Edition::secondary},
                                      {{"onecard-turnover", "onecard", {"H-3.4.3.1", "S-3.4.1.1"}},
                                       {"portal-home", "sso", {"H-3.3.1.1"}},
                                       {"ping", "net", {}}}),
                        probes);
    text = metrics.text();
    CHECK(samples_of(text, "campus_indicator_info") == info);
    CHECK(samples_of(text, "campus_check_indicator") ==
          std::set<std::string>{mapping_line("onecard-turnover", "onecard", web),
                                mapping_line("onecard-turnover", "onecard", card_s),
                                mapping_line("portal-home", "sso", portal)});
  }

  SUBCASE("a reload that disables an edition drops its indicators and their mappings") {
    pipeline.set_config(
        mapped_config({Edition::higher},
                      {{"onecard-turnover", "onecard", {"H-3.4.1.1", "S-3.4.1.1"}}}),
        probes);
    text = metrics.text();
    std::set<std::string> higher;
    for (const auto& i : catalog.edition(Edition::higher)->indicators)
      higher.insert(info_line(i));
    CHECK(samples_of(text, "campus_indicator_info") == higher);
    CHECK(samples_of(text, "campus_check_indicator") ==
          std::set<std::string>{mapping_line("onecard-turnover", "onecard", card_h)});
    CHECK(text.find("indicator=\"S-") == std::string::npos);
  }
}
