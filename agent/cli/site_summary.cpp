#include "cli/site_summary.h"

#include <set>
#include <string>
#include <vector>

namespace campus {
namespace {

// The sites to show: those the config defines, or else every name its checks select and the
// agent's own.
std::vector<std::string> known_sites(const Config& config) {
  std::set<std::string> names;
  for (const auto& [name, site] : config.sites)
    names.insert(name);
  if (names.empty()) {
    for (const auto& check : config.checks) {
      if (check->sites) names.insert(check->sites->names.begin(), check->sites->names.end());
    }
    if (!config.agent.site.empty()) names.insert(config.agent.site);
  }
  return {names.begin(), names.end()};
}

std::string labels_text(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [name, value] : labels)
    out += (out.empty() ? "" : ", ") + name + "=" + value;
  return out.empty() ? "" : " (" + out + ")";
}

}  // namespace

void print_site_summary(const Config& config, const Catalog& catalog, std::ostream& out,
                        std::string_view only) {
  // An attestation is people's word for the campus: it holds at every site.
  std::set<std::string> attested;
  for (const auto& a : config.attestations)
    attested.insert(a->indicator);
  for (const auto& site : known_sites(config)) {
    if (!only.empty() && site != only) continue;
    std::set<std::string> covered = attested;
    std::size_t checks = 0;
    for (const auto& check : config.checks) {
      if (!config.runs_on(*check, site)) continue;
      ++checks;
      covered.insert(check->indicators.begin(), check->indicators.end());
    }
    out << "site " << site << labels_text(config.labels_of(site)) << ": " << checks << " check"
        << (checks == 1 ? "" : "s") << "\n";
    for (Edition e : config.editions) {
      const auto* edition = catalog.edition(e);
      if (!edition) continue;
      std::vector<std::string> ids;
      for (const auto& indicator : edition->indicators) {
        if (covered.count(indicator.id)) ids.push_back(indicator.id);
      }
      out << "  " << to_string(e) << " " << ids.size() << "/" << edition->indicators.size();
      for (std::size_t i = 0; i < ids.size(); ++i)
        out << (i ? ", " : ": ") << ids[i];
      out << "\n";
    }
  }
}

}  // namespace campus
