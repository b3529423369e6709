#include "cli/indicators_command.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "core/text_width.h"

namespace campus {
namespace {

nlohmann::ordered_json to_json(const Indicator& i) {
  nlohmann::ordered_json suggestions = nlohmann::ordered_json::array();
  for (const auto& s : i.suggested_checks) {
    suggestions.push_back({{"system", s.system}, {"probes", s.probes}, {"what", s.what}});
  }
  return {{"edition", to_string(i.edition)},
          {"id", i.id},
          {"dimension", i.dimension},
          {"dimension_en", i.dimension_en},
          {"main_scene", i.main_scene},
          {"main_scene_en", i.main_scene_en},
          {"sub_scene", i.sub_scene},
          {"sub_scene_en", i.sub_scene_en},
          {"description", i.description},
          {"description_en", i.description_en},
          {"text", i.text},
          {"text_en", i.text_en},
          {"suggested_checks", suggestions}};
}

void print_table(const EditionCatalog& edition, std::ostream& out) {
  constexpr std::size_t kColumns = 5;
  using Row = std::array<std::string, kColumns>;
  std::vector<Row> rows;
  rows.push_back({"ID", "评定维度", "主场景", "子场景", "关键指标"});
  for (const auto& i : edition.indicators) {
    rows.push_back({i.id, i.dimension, i.main_scene, i.sub_scene, i.text});
  }
  std::array<std::size_t, kColumns> widths{};
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < kColumns; ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  out << edition.title << "  (" << edition.indicators.size() << " key indicators)\n\n";
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c + 1 < kColumns; ++c)
      line += pad_right(row[c], widths[c] + 2);
    line += row[kColumns - 1];
    out << line << '\n';
  }
}

}  // namespace

void print_indicators(const Catalog& catalog, std::optional<Edition> edition,
                      IndicatorFormat format, std::ostream& out) {
  std::vector<const EditionCatalog*> chosen;
  for (const auto& ed : catalog.editions()) {
    if (!edition || ed.edition == *edition) chosen.push_back(&ed);
  }
  if (format == IndicatorFormat::json) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const auto* ed : chosen) {
      for (const auto& i : ed->indicators)
        all.push_back(to_json(i));
    }
    out << all.dump(2) << '\n';
    return;
  }
  for (std::size_t k = 0; k < chosen.size(); ++k) {
    if (k > 0) out << '\n';
    print_table(*chosen[k], out);
  }
}

}  // namespace campus
