#include "daemon/status_page.h"

#include <string_view>

#include "catalog/catalog.h"
#include "daemon/embedded_status_page.h"
#include "version.h"

namespace campus {
namespace {

// The page's source, compiled in: a deployed agent serves it with no files beside it.
std::string_view page_template() {
  const auto page_files = embedded_status_page_files();
  return page_files.empty() ? std::string_view() : page_files.front().content;
}

// JSON placed inside <script>: '<', '>' and '&' become \u escapes, which JSON reads back as the
// same characters, so no text a target sent can close the element or start a comment.
std::string script_safe(std::string_view json) {
  std::string out;
  out.reserve(json.size() + json.size() / 32);
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

// The editions' titles and the English names of dimensions, main scenes and sub-scenes, for the
// page's English mode; /api/indicators carries the Chinese names only.
nlohmann::json catalog_names(const Catalog& catalog) {
  nlohmann::json editions = nlohmann::json::object();
  nlohmann::json names = nlohmann::json::object();
  for (const auto& edition : catalog.editions()) {
    editions[std::string(to_string(edition.edition))] = {{"title", edition.title},
                                                         {"title_en", edition.title_en}};
    for (const auto& i : edition.indicators) {
      names[i.dimension] = i.dimension_en;
      names[i.main_scene] = i.main_scene_en;
      names[i.sub_scene] = i.sub_scene_en;
    }
  }
  return {{"editions", std::move(editions)}, {"names_en", std::move(names)}};
}

void replace_first(std::string& text, std::string_view token, std::string_view with) {
  const auto at = text.find(token);
  if (at != std::string::npos) text.replace(at, token.size(), with);
}

}  // namespace

std::string status_page(const Catalog& catalog, nlohmann::json initial) {
  initial["version"] = kVersion;
  initial["catalog"] = catalog_names(catalog);
  std::string page(page_template());
  // Which site's agent this is, beside the version: one campus runs several (site names are
  // [a-z0-9_-], safe in HTML as they stand).
  const std::string site = initial.value("site", "");
  replace_first(page, "@VERSION@",
                std::string(kVersion) + (site.empty() ? "" : " · 站点 site " + site));
  replace_first(
      page, "@INITIAL@",
      script_safe(initial.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  return page;
}

}  // namespace campus
