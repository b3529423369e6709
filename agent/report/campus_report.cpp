#include "report/campus_report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/json_parse.h"

namespace campus {
namespace {

namespace fs = std::filesystem;

// How weak a status is for the campus: the weakest site decides.
int campus_weakness(IndicatorStatus status) {
  switch (status) {
    case IndicatorStatus::failing:
      return 0;
    case IndicatorStatus::waived:
      return 1;
    case IndicatorStatus::attested:
      return 2;
    case IndicatorStatus::met:
      return 3;
    case IndicatorStatus::unverified:
      break;
  }
  return 4;
}

// A site name from the records: the newest segment's first records that carry one.
std::string site_in_records(const std::string& dir) {
  std::vector<std::string> segments;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("evidence-") && name.ends_with(".jsonl")) segments.push_back(name);
  }
  if (segments.empty()) return "";
  std::ifstream in(dir + "/" + *std::max_element(segments.begin(), segments.end()),
                   std::ios::binary);
  std::string line;
  for (int i = 0; i < 64 && std::getline(in, line); ++i) {
    if (line.find("\"site\":") == std::string::npos) continue;
    const auto record = parse_json_bounded(line);
    if (record.is_object() && record.contains("site") && record["site"].is_string())
      return record["site"].get<std::string>();
  }
  return "";
}

}  // namespace

int CampusReport::count(IndicatorStatus status) const {
  return int(std::count_if(indicators.begin(), indicators.end(),
                           [&](const CampusIndicator& i) { return i.status == status; }));
}

std::string campus_rule_text() {
  return "An indicator is met for the campus when every site that checks it meets it; failing at "
         "any one site makes it failing for the campus; sites where nothing checks it do not "
         "count, and it is unverified when no site checks it. A waiver or an attestation at a "
         "site stands for that site only, and the campus status is then waived or attested. "
         "指标在每个检测它的站点均达标时，全校达标；任一站点未达标即全校未达标。";
}

IndicatorStatus campus_status(const std::vector<IndicatorStatus>& at_sites) {
  IndicatorStatus weakest = IndicatorStatus::unverified;
  for (const IndicatorStatus s : at_sites) {
    if (campus_weakness(s) < campus_weakness(weakest)) weakest = s;
  }
  return weakest;
}

std::string evidence_site(const std::string& evidence_dir) {
  if (std::string site = site_in_records(evidence_dir); !site.empty()) return site;
  std::ifstream in(evidence_dir + "/site");
  std::string site;
  if (in && std::getline(in, site) && !site.empty()) return site;
  fs::path path(evidence_dir);
  if (!path.has_filename()) path = path.parent_path();  // "dir/"
  return path.filename().string();
}

CampusReport build_campus_report(const std::vector<std::string>& sites,
                                 const std::vector<ReportRequest>& requests,
                                 const Catalog& catalog) {
  CampusReport campus;
  campus.evidence_intact = true;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    SiteReport site{sites.at(i), requests[i].evidence_dir, build_report(requests[i], catalog)};
    campus.evidence_intact = campus.evidence_intact && site.report.evidence_intact;
    campus.sites.push_back(std::move(site));
  }
  if (campus.sites.empty()) return campus;
  const ComplianceReport& first = campus.sites.front().report;
  campus.edition = first.edition;
  campus.title = first.title;
  campus.from = first.from;
  campus.to = first.to;
  // Every site's report lists the edition's indicators in the same (catalog) order.
  for (std::size_t n = 0; n < first.indicators.size(); ++n) {
    CampusIndicator indicator;
    indicator.indicator = first.indicators[n].indicator;
    std::vector<IndicatorStatus> statuses;
    for (const auto& site : campus.sites) {
      const IndicatorStatus s = site.report.indicators.at(n).status;
      statuses.push_back(s);
      if (s != IndicatorStatus::unverified) indicator.checked_at.push_back(site.site);
      if (s == IndicatorStatus::failing) indicator.failing_sites.push_back(site.site);
    }
    indicator.status = campus_status(statuses);
    campus.indicators.push_back(std::move(indicator));
  }
  return campus;
}

}  // namespace campus
