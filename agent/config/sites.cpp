#include "config/sites.h"

#include <algorithm>
#include <array>

namespace campus {
namespace {

// [a-zA-Z_][a-zA-Z0-9_]*, without the `__` prefix Prometheus keeps for itself.
bool is_extra_label_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

// Labels as a mapping of names to values: names checked, values non-empty strings.
std::map<std::string, std::string> read_label_map(const YamlValue& value) {
  std::map<std::string, std::string> out;
  auto r = value.map();
  for (auto& [name, v] : r.entries()) {
    if (!is_extra_label_name(name)) {
      v.error("label names must match [a-zA-Z_][a-zA-Z0-9_]*");
      continue;
    }
    if (name.rfind("__", 0) == 0) {
      v.error("label names starting with __ are reserved by Prometheus");
      continue;
    }
    if (name == "site") {
      v.error("the site is set with agent.site (or run --site), not as a label");
      continue;
    }
    if (is_reserved_label(name)) {
      v.error("'" + name +
              "' is a label the agent's own series (or the scrape) already use; pick another "
              "name, e.g. campus, network or building");
      continue;
    }
    if (auto s = v.text()) out[name] = *s;
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

// "network: dorm, office; campus: north": every value each label takes among `sites`, for
// messages about a selector that selects nothing.
std::string site_label_values(const std::map<std::string, SiteSpec, std::less<>>& sites,
                              const std::map<std::string, std::string>& agent_labels) {
  std::map<std::string, std::vector<std::string>> values;
  for (const auto& [name, site] : sites) {
    auto labels = agent_labels;
    for (const auto& [k, v] : site.labels)
      labels[k] = v;
    for (const auto& [k, v] : labels) {
      auto& seen = values[k];
      if (std::find(seen.begin(), seen.end(), v) == seen.end()) seen.push_back(v);
    }
  }
  std::string out;
  for (const auto& [k, vs] : values)
    out += (out.empty() ? "" : "; ") + k + ": " + join(vs);
  return out.empty() ? "the sites have no labels" : "the sites' labels: " + out;
}

}  // namespace

bool is_site_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool is_reserved_label(std::string_view name) {
  // The labels of the campus_* series (sinks/), of histograms, and those Prometheus gives every
  // scraped series: an extra label by one of these names would overwrite or be overwritten.
  static constexpr std::array<std::string_view, 22> kReserved = {"attestation",
                                                                 "check",
                                                                 "dimension",
                                                                 "edition",
                                                                 "indicator",
                                                                 "indicator_text",
                                                                 "indicator_text_en",
                                                                 "instance",
                                                                 "job",
                                                                 "kind",
                                                                 "label",
                                                                 "le",
                                                                 "phase",
                                                                 "probe",
                                                                 "quantile",
                                                                 "reason",
                                                                 "result",
                                                                 "scene",
                                                                 "session",
                                                                 "site",
                                                                 "system",
                                                                 "version"};
  return std::find(kReserved.begin(), kReserved.end(), name) != kReserved.end();
}

std::map<std::string, std::string> read_extra_labels(const YamlValue& value) {
  return read_label_map(value);
}

std::map<std::string, SiteSpec, std::less<>> read_sites(const YamlValue& value) {
  std::map<std::string, SiteSpec, std::less<>> sites;
  auto r = value.map();
  if (!r.valid()) return sites;
  for (auto& [name, entry] : r.entries()) {
    if (!is_site_name(name)) {
      entry.error("site names may use only a-z, 0-9, _ and - (at most 63), got '" + name + "'");
      continue;
    }
    SiteSpec site;
    site.name = name;
    site.line = entry.line();
    if (!entry.is_null()) {  // `dorm:` alone is a site without labels of its own
      auto er = entry.map();
      if (!er.valid()) continue;
      if (auto v = er.get("labels")) site.labels = read_label_map(*v);
      er.finish();
    }
    sites.emplace(name, std::move(site));
  }
  if (r.entries().empty()) value.error("sites: needs at least one site");
  return sites;
}

std::optional<SiteSelector> read_site_selector(
    const YamlValue& value, const std::map<std::string, SiteSpec, std::less<>>& sites,
    const std::map<std::string, std::string>& agent_labels) {
  SiteSelector selector;
  if (value.is_list()) {
    auto names = value.string_list();
    if (!names) return std::nullopt;
    if (names->empty()) {
      value.error("a check that runs on no site never runs: name at least one, or leave sites out");
      return std::nullopt;
    }
    bool ok = true;
    for (const auto& name : *names) {
      if (!is_site_name(name)) {
        value.error("site names may use only a-z, 0-9, _ and - (at most 63), got '" + name + "'");
        ok = false;
      } else if (!sites.empty() && !sites.count(name)) {
        value.error("unknown site '" + name + "' (sites: " + site_names(sites) + ")");
        ok = false;
      } else if (std::find(selector.names.begin(), selector.names.end(), name) ==
                 selector.names.end()) {
        selector.names.push_back(name);
      }
    }
    if (!ok) return std::nullopt;
    return selector;
  }
  if (!value.is_map()) {
    value.error("expected a list of sites, e.g. [dorm, office], or labels, e.g. {network: dorm}");
    return std::nullopt;
  }
  if (sites.empty()) {
    value.error(
        "a label selector picks among the sites: defined at the top of the config, and it "
        "defines none; name the sites as a list instead, e.g. [dorm, office]");
    return std::nullopt;
  }
  auto r = value.map();
  bool ok = true;
  for (auto& [label, v] : r.entries()) {
    std::vector<std::string> wanted;
    if (v.is_list()) {
      wanted = v.string_list().value_or(std::vector<std::string>{});
      if (wanted.empty()) {
        v.error("expected at least one value");
        ok = false;
      }
    } else if (auto s = v.text()) {
      wanted.push_back(*s);
    } else {
      ok = false;
    }
    selector.labels[label] = std::move(wanted);
  }
  if (!ok) return std::nullopt;
  if (selector.labels.empty()) {
    value.error("an empty label selector would select every site: leave sites out instead");
    return std::nullopt;
  }
  const bool any = std::any_of(sites.begin(), sites.end(), [&](const auto& entry) {
    auto labels = agent_labels;
    for (const auto& [k, v] : entry.second.labels)
      labels[k] = v;
    return selector.selects(entry.first, labels);
  });
  if (!any) {
    value.error(selector.str() + " selects no site (" + site_label_values(sites, agent_labels) +
                ")");
    return std::nullopt;
  }
  return selector;
}

bool SiteSelector::selects(std::string_view name,
                           const std::map<std::string, std::string>& site_labels) const {
  if (!names.empty()) return std::find(names.begin(), names.end(), name) != names.end();
  for (const auto& [label, values] : labels) {
    auto it = site_labels.find(label);
    if (it == site_labels.end()) return false;
    if (std::find(values.begin(), values.end(), it->second) == values.end()) return false;
  }
  return true;
}

std::string SiteSelector::str() const {
  if (!names.empty()) return "[" + join(names) + "]";
  std::string out;
  for (const auto& [label, values] : labels) {
    out += (out.empty() ? "" : ", ") + label + ": ";
    out += values.size() == 1 ? values.front() : "[" + join(values) + "]";
  }
  return "{" + out + "}";
}

std::string site_names(const std::map<std::string, SiteSpec, std::less<>>& sites) {
  std::string out;
  for (const auto& [name, site] : sites)
    out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace campus
