#pragma once
// Sites: the places one campus runs its agents from (the data centre, the dormitory network, the
// teaching network, another campus). One config serves every agent of a campus: each agent
// knows its own site (`agent.site`, or `run --site`), every series and evidence record carries
// it, and a check may say which sites it runs from, by name or by the sites' labels.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/yaml_reader.h"

namespace campus {

/// One site of the campus (`sites: {NAME: {labels: {...}}}`).
struct SiteSpec {
  std::string name;
  std::map<std::string, std::string> labels;  ///< its own; agent.labels come under them
  int line = 0;
};

/// The sites a check runs from (`sites:` of a check): a list of names, or labels that every
/// selected site has (each a value, or a list of values any of which will do).
struct SiteSelector {
  std::vector<std::string> names;
  std::map<std::string, std::vector<std::string>> labels;

  /// Whether the site `name` with labels `site_labels` is selected.
  bool selects(std::string_view name, const std::map<std::string, std::string>& site_labels) const;
  /// As written, for humans: `[dorm, office]` or `{network: dorm}`.
  std::string str() const;
};

/// [a-z0-9_-]+ of at most 63 characters: a label value and a file name as it stands.
bool is_site_name(std::string_view name);

/// The labels the agent's own series and the scrape already use (check, probe, indicator, job,
/// ...); extra labels must take other names.
bool is_reserved_label(std::string_view name);

/// `agent.labels`: valid Prometheus label names, none reserved, none `site`.
std::map<std::string, std::string> read_extra_labels(const YamlValue& value);

/// The top-level `sites:` mapping.
std::map<std::string, SiteSpec, std::less<>> read_sites(const YamlValue& value);

/// A check's `sites:`. With the campus's `sites` defined, names must be among them and a label
/// selector must select at least one; without, names are free and label selectors are refused
/// (there are no labels to select on). `agent_labels` are those every site has.
std::optional<SiteSelector> read_site_selector(
    const YamlValue& value, const std::map<std::string, SiteSpec, std::less<>>& sites,
    const std::map<std::string, std::string>& agent_labels);

/// "a, b, c": the names of `sites`, for messages.
std::string site_names(const std::map<std::string, SiteSpec, std::less<>>& sites);

}  // namespace campus
