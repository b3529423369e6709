#pragma once
// The per-indicator compliance report an auditor reads: every indicator of an edition, in the
// official order and wording, with what the evidence log says about it over a period.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "config/config.h"
#include "core/logger.h"
#include "indicators/indicator_state.h"

namespace campus {

/// A run record found in the evidence, as the report cites it.
struct CitedRun {
  std::uint64_t seq = 0;
  std::string hash;
  std::string time;
  std::string check;
  std::string reason;
};

/// An attestation found in the evidence (the latest record of its id), as the report cites it.
struct AttestationSeen {
  std::string id;
  std::string indicator;
  std::string statement;
  std::string owner;     ///< name（role）
  std::string approver;  ///< name（role）
  std::string document_ref;
  std::string document_path;
  std::string document_sha256;
  std::string valid_from;  ///< RFC 3339 UTC
  std::string expires;     ///< RFC 3339 UTC
  std::uint64_t seq = 0;
  std::string hash;
};

struct IndicatorFindings {
  const Indicator* indicator = nullptr;
  IndicatorStatus status = IndicatorStatus::unverified;
  IndicatorBasis basis = IndicatorBasis::none;
  /// The attestation in force at the period's end, if any (whether or not the status rests on
  /// it: under the `all`/`any` policies an indicator with checks is decided by them).
  std::optional<AttestationSeen> attestation;
  std::uint64_t excused = 0;  ///< failing runs inside maintenance windows, not counted
  std::uint64_t runs = 0;
  std::uint64_t passes = 0;
  std::string first_time;
  std::string last_time;
  std::set<std::string> checks;
  std::optional<CitedRun> latest_pass;
  std::optional<CitedRun> latest_failure;
  std::string
      strip;  ///< one character per slice of the period: P all passed, F some failed, . none
  double pass_ratio() const { return runs ? double(passes) / double(runs) : 0; }
};

/// A maintenance window seen in the evidence of the period: failing runs inside it were not
/// counted against their indicators.
struct MaintenanceSeen {
  std::string name;
  std::string reason;
  std::string from;  ///< the window as configured, RFC 3339 UTC
  std::string to;
  std::uint64_t runs = 0;     ///< runs recorded inside it
  std::uint64_t excused = 0;  ///< of those, failures not counted
};

/// A waiver of an indicator found in the evidence (its latest record), in force at the period's
/// end.
struct WaiverSeen {
  std::string indicator;
  std::string reason;
  std::string owner;
  std::string until;
  std::uint64_t seq = 0;
};

struct ComplianceReport {
  Edition edition = Edition::higher;
  std::string title;
  std::string from;  ///< RFC 3339 UTC
  std::string to;
  bool evidence_intact = false;
  std::string verification;                   ///< the verifier's summary or the first broken place
  std::vector<IndicatorFindings> indicators;  ///< catalog order
  std::vector<MaintenanceSeen> maintenance;   ///< windows of the period, by start
  std::vector<WaiverSeen> waivers;            ///< waived indicators, catalog order
  /// The sites the period's run records were made at, each with its labels (`site`,
  /// `site_labels` of the records); empty when the records name none.
  std::map<std::string, std::map<std::string, std::string>> sites;

  /// "dorm-north (campus=north, network=dorm), office-north (...)"; empty when no site.
  std::string sites_text() const;

  int count(IndicatorStatus status, const std::string& dimension = "") const;
};

struct ReportRequest {
  std::string evidence_dir;
  Edition edition = Edition::higher;
  std::chrono::system_clock::time_point from;
  std::chrono::system_clock::time_point to;
  const Config* config = nullptr;  ///< for indicator policies and checks never run
  std::optional<std::string> key;  ///< to verify MACs too
  int strip_slices = 28;
};

/// Verifies the evidence, then reads the run records of the period.
ComplianceReport build_report(const ReportRequest& request, const Catalog& catalog);

nlohmann::json report_json(const ComplianceReport& report);
std::string report_markdown(const ComplianceReport& report);
std::string report_csv(const ComplianceReport& report);
/// One self-contained HTML file: inline CSS, no scripts or external assets, prints on A4.
std::string report_html(const ComplianceReport& report);

/// The records of the period (all types), oldest first, at most `limit` of the newest.
nlohmann::json evidence_records(const std::string& evidence_dir,
                                std::chrono::system_clock::time_point from, std::size_t limit);

}  // namespace campus
