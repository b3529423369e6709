#pragma once
// The compliance report of a campus with several sites (vantage points: the data centre, the
// dormitories, a second campus), each with its own evidence log: every indicator's status for
// the campus as a whole under one stated rule, and per site.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/compliance_report.h"

namespace campus {

/// One site's evidence and its report.
struct SiteReport {
  std::string site;
  std::string evidence_dir;
  ComplianceReport report;
};

struct CampusIndicator {
  const Indicator* indicator = nullptr;
  IndicatorStatus status = IndicatorStatus::unverified;
  std::vector<std::string> failing_sites;  ///< the sites that make it fail
  std::vector<std::string> checked_at;     ///< the sites whose evidence decides it
};

struct CampusReport {
  Edition edition = Edition::higher;
  std::string title;
  std::string from;
  std::string to;
  bool evidence_intact = false;             ///< every site's evidence verifies
  std::vector<SiteReport> sites;            ///< in the order given
  std::vector<CampusIndicator> indicators;  ///< catalog order, one per indicator

  int count(IndicatorStatus status) const;
};

/// The rule, in words, as every rendering states it.
std::string campus_rule_text();

/// The campus status of one indicator from its status at each site: the sites where it is
/// unverified (nothing there checks it) do not count; of the rest, the weakest decides — failing
/// anywhere is failing for the campus, then waived, then attested, and met only when every site
/// that checks it meets it. Unverified when no site checks it.
IndicatorStatus campus_status(const std::vector<IndicatorStatus>& at_sites);

/// The site an evidence directory belongs to: the `site` member of its records (when the agent
/// writes one), else the `site` file `evidence pull` writes, else the directory's name.
std::string evidence_site(const std::string& evidence_dir);

/// One report per site (the requests differ only in their evidence_dir), then the campus.
CampusReport build_campus_report(const std::vector<std::string>& sites,
                                 const std::vector<ReportRequest>& requests,
                                 const Catalog& catalog);

nlohmann::json campus_report_json(const CampusReport& report);
std::string campus_report_markdown(const CampusReport& report);
std::string campus_report_csv(const CampusReport& report);
std::string campus_report_html(const CampusReport& report);

}  // namespace campus
