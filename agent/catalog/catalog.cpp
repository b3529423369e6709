#include "catalog/catalog.h"

#include <fstream>
#include <map>
#include <sstream>

#include "catalog/embedded_catalogs.h"
#include "core/yaml_reader.h"

namespace campus {

std::string_view to_string(Edition edition) {
  return edition == Edition::higher ? "higher" : "secondary";
}

std::optional<Edition> parse_edition(std::string_view name) {
  if (name == "higher") return Edition::higher;
  if (name == "secondary") return Edition::secondary;
  return std::nullopt;
}

std::string_view id_prefix(Edition edition) {
  return edition == Edition::higher ? "H" : "S";
}

namespace {

// Reads `key` of `reader` as non-empty text into `out`; returns false when absent or bad.
bool read_text(YamlMapReader& reader, std::string_view key, std::string& out) {
  auto value = reader.required(key);
  if (!value) return false;
  auto text = value->text();
  if (!text) return false;
  out = std::move(*text);
  return true;
}

std::vector<SuggestedCheck> read_suggestions(const YamlValue& list) {
  std::vector<SuggestedCheck> out;
  for (const auto& item : list.items()) {
    auto reader = item.map();
    if (!reader.valid()) continue;
    SuggestedCheck s;
    read_text(reader, "system", s.system);
    if (auto probes = reader.required("probes")) {
      if (auto names = probes->string_list()) s.probes = std::move(*names);
    }
    read_text(reader, "what", s.what);
    reader.finish();
    out.push_back(std::move(s));
  }
  return out;
}

// Walks one catalog document. Positions come from the order of the entries; every id must
// agree with them, so a gap, a duplicate or a misplaced indicator is caught.
class CatalogParser {
 public:
  CatalogParser(const YamlSource& source, EditionCatalog& out) : source_(source), out_(out) {}

  void parse(const YamlValue& root) {
    auto reader = root.map();
    if (!reader.valid()) return;
    if (auto edition = reader.required("edition")) {
      if (auto name = edition->string()) {
        if (auto e = parse_edition(*name)) {
          out_.edition = *e;
          edition_known_ = true;
        } else {
          edition->error("unknown edition '" + *name + "' (expected higher or secondary)");
        }
      }
    }
    read_text(reader, "title", out_.title);
    read_text(reader, "title_en", out_.title_en);
    if (auto dimensions = reader.required("dimensions")) {
      auto items = non_empty_items(*dimensions, "dimensions");
      for (std::size_t d = 0; d < items.size(); ++d)
        parse_dimension(items[d], int(d) + 1);
    }
    reader.finish();
  }

 private:
  std::vector<YamlValue> non_empty_items(const YamlValue& list, std::string_view what) {
    auto items = list.items();
    if (list.is_list() && items.empty())
      list.error("must list at least one of the " + std::string(what));
    return items;
  }

  void parse_dimension(const YamlValue& value, int position) {
    auto reader = value.map();
    if (!reader.valid()) return;
    Indicator base;
    base.dimension_position = position;
    read_text(reader, "name", base.dimension);
    read_text(reader, "name_en", base.dimension_en);
    if (auto scenes = reader.required("main_scenes")) {
      auto items = non_empty_items(*scenes, "main scenes");
      for (std::size_t m = 0; m < items.size(); ++m) {
        base.main_scene_position = int(m) + 1;
        parse_main_scene(items[m], base);
      }
    }
    reader.finish();
  }

  void parse_main_scene(const YamlValue& value, Indicator base) {
    auto reader = value.map();
    if (!reader.valid()) return;
    read_text(reader, "name", base.main_scene);
    read_text(reader, "name_en", base.main_scene_en);
    if (auto subs = reader.required("sub_scenes")) {
      auto items = non_empty_items(*subs, "sub-scenes");
      for (std::size_t s = 0; s < items.size(); ++s) {
        base.sub_scene_position = int(s) + 1;
        parse_sub_scene(items[s], base);
      }
    }
    reader.finish();
  }

  void parse_sub_scene(const YamlValue& value, Indicator base) {
    auto reader = value.map();
    if (!reader.valid()) return;
    read_text(reader, "name", base.sub_scene);
    read_text(reader, "name_en", base.sub_scene_en);
    read_text(reader, "description", base.description);
    read_text(reader, "description_en", base.description_en);
    if (auto indicators = reader.required("indicators")) {
      auto items = non_empty_items(*indicators, "indicators");
      for (std::size_t n = 0; n < items.size(); ++n) {
        Indicator indicator = base;
        indicator.position = int(n) + 1;
        parse_indicator(items[n], std::move(indicator));
      }
    }
    reader.finish();
  }

  void parse_indicator(const YamlValue& value, Indicator indicator) {
    auto reader = value.map();
    if (!reader.valid()) return;
    indicator.edition = out_.edition;
    if (auto id = reader.required("id")) {
      if (auto text = id->text()) {
        indicator.id = *text;
        check_id(*id, indicator);
      }
    }
    read_text(reader, "text", indicator.text);
    read_text(reader, "text_en", indicator.text_en);
    if (auto suggestions = reader.get("suggested_checks")) {
      indicator.suggested_checks = read_suggestions(*suggestions);
    }
    reader.finish();
    out_.indicators.push_back(std::move(indicator));
  }

  void check_id(const YamlValue& where, const Indicator& indicator) {
    auto [it, inserted] = seen_ids_.emplace(indicator.id, where.line());
    if (!inserted) {
      where.error("duplicate id " + indicator.id + " (first used on line " +
                  std::to_string(it->second) + ")");
      return;
    }
    if (!edition_known_) return;
    std::ostringstream expected;
    expected << id_prefix(out_.edition) << '-' << indicator.dimension_position << '.'
             << indicator.main_scene_position << '.' << indicator.sub_scene_position << '.'
             << indicator.position;
    if (indicator.id != expected.str()) {
      where.error("id " + indicator.id + " does not match its position in the table: expected " +
                  expected.str());
    }
  }

  const YamlSource& source_;
  EditionCatalog& out_;
  bool edition_known_ = false;
  std::map<std::string, int> seen_ids_;
};

}  // namespace

std::optional<EditionCatalog> Catalog::parse(std::string_view file_name, std::string_view text,
                                             Diagnostics& diagnostics) {
  Diagnostics local;
  YamlSource source{std::string(file_name), &local};
  EditionCatalog out;
  if (auto root = YamlValue::parse(text, &source)) {
    CatalogParser(source, out).parse(*root);
  }
  if (!local.empty()) {
    diagnostics.append(local);
    return std::nullopt;
  }
  return out;
}

bool Catalog::add(EditionCatalog edition, std::string_view file_name, Diagnostics& diagnostics) {
  if (this->edition(edition.edition)) {
    diagnostics.error(file_name, 0, 0, "edition",
                      "edition '" + std::string(to_string(edition.edition)) + "' loaded twice");
    return false;
  }
  editions_.push_back(std::move(edition));
  return true;
}

Catalog Catalog::builtin() {
  Catalog catalog;
  Diagnostics diagnostics;
  for (const auto& file : embedded_catalog_files()) {
    if (auto edition = parse(file.name, file.content, diagnostics)) {
      catalog.add(std::move(*edition), file.name, diagnostics);
    }
  }
  if (!diagnostics.empty()) {
    // The embedded catalogs are checked by the unit tests; reaching this is a build defect.
    throw std::logic_error("built-in indicator catalog is invalid:\n" + diagnostics.str());
  }
  return catalog;
}

std::optional<Catalog> Catalog::load_files(const std::vector<std::string>& paths,
                                           Diagnostics& diagnostics) {
  Catalog catalog;
  const std::size_t before = diagnostics.size();
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      diagnostics.error(path, 0, 0, "", "cannot read file");
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (auto edition = parse(path, text.str(), diagnostics)) {
      catalog.add(std::move(*edition), path, diagnostics);
    }
  }
  if (diagnostics.size() != before) return std::nullopt;
  return catalog;
}

const EditionCatalog* Catalog::edition(Edition e) const {
  for (const auto& ed : editions_) {
    if (ed.edition == e) return &ed;
  }
  return nullptr;
}

const Indicator* Catalog::find(std::string_view id) const {
  for (const auto& ed : editions_) {
    for (const auto& indicator : ed.indicators) {
      if (indicator.id == id) return &indicator;
    }
  }
  return nullptr;
}

}  // namespace campus
