#include "report/compliance_report.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "core/json_parse.h"
#include "core/logger.h"
#include "evidence/verify.h"

namespace campus {
namespace {

namespace fs = std::filesystem;

struct CheckLatest {
  std::string time;
  bool passed = false;
};

std::string person(const nlohmann::json& j) {
  if (!j.is_object()) return "";
  return j.value("name", "") + "（" + j.value("role", "") + "）";
}

AttestationSeen attestation_seen(const nlohmann::json& record) {
  AttestationSeen a;
  a.id = record.value("id", "");
  a.indicator = record.value("indicator", "");
  a.statement = record.value("statement", "");
  a.owner = person(record.value("owner", nlohmann::json()));
  a.approver = person(record.value("approver", nlohmann::json()));
  const auto document = record.value("document", nlohmann::json::object());
  if (document.is_object()) {
    a.document_ref = document.value("ref", "");
    a.document_path = document.value("path", "");
    a.document_sha256 = document.value("sha256", "");
  }
  a.valid_from = record.value("valid_from_utc", "");
  a.expires = record.value("expires_utc", "");
  a.seq = record.value("seq", std::uint64_t(0));
  a.hash = record.value("hash", "");
  return a;
}

// Calls `f` with the report position of each indicator the run record names.
template <typename F>
void for_each_indicator(const nlohmann::json& record,
                        const std::map<std::string, std::size_t>& index, F&& f) {
  const auto it = record.find("indicators");
  if (it == record.end() || !it->is_array()) return;
  for (const auto& id : *it) {
    if (!id.is_string()) continue;
    if (auto at = index.find(id.get<std::string>()); at != index.end()) f(at->second);
  }
}

}  // namespace

std::string ComplianceReport::sites_text() const {
  std::string out;
  for (const auto& [site, labels] : sites) {
    out += (out.empty() ? "" : ", ") + site;
    std::string inner;
    for (const auto& [name, value] : labels)
      inner += (inner.empty() ? "" : ", ") + name + "=" + value;
    if (!inner.empty()) out += " (" + inner + ")";
  }
  return out;
}

int ComplianceReport::count(IndicatorStatus status, const std::string& dimension) const {
  return int(std::count_if(indicators.begin(), indicators.end(), [&](const IndicatorFindings& f) {
    return f.status == status && (dimension.empty() || f.indicator->dimension == dimension);
  }));
}

nlohmann::json evidence_records(const std::string& evidence_dir,
                                std::chrono::system_clock::time_point from, std::size_t limit) {
  const std::string since = rfc3339_utc(from);
  std::vector<std::string> segments;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(evidence_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("evidence-", 0) == 0 && entry.path().extension() == ".jsonl")
      segments.push_back(name);
  }
  std::sort(segments.begin(), segments.end());
  std::deque<nlohmann::json> newest;
  for (const auto& segment : segments) {
    std::ifstream in(evidence_dir + "/" + segment, std::ios::binary);
    for (std::string line; std::getline(in, line);) {
      auto record = parse_json_bounded(line);
      if (!record.is_object() || record.value("time", "") < since) continue;
      newest.push_back(std::move(record));
      if (newest.size() > limit) newest.pop_front();
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (auto& r : newest)
    out.push_back(std::move(r));
  return out;
}

ComplianceReport build_report(const ReportRequest& request, const Catalog& catalog) {
  ComplianceReport report;
  report.edition = request.edition;
  const auto* edition = catalog.edition(request.edition);
  report.title = edition ? edition->title : "";
  report.from = rfc3339_utc(request.from);
  report.to = rfc3339_utc(request.to);
  const auto verification = verify_evidence(request.evidence_dir, request.key);
  report.evidence_intact = verification.intact;
  report.verification = verification.summary();
  if (!edition) return report;

  std::map<std::string, std::size_t> index;  // indicator id -> position
  for (const auto& indicator : edition->indicators) {
    index[indicator.id] = report.indicators.size();
    IndicatorFindings f;
    f.indicator = &indicator;
    f.strip.assign(std::size_t(request.strip_slices), '.');
    report.indicators.push_back(std::move(f));
  }
  if (request.config) {
    for (const auto& check : request.config->checks) {
      for (const auto& id : check->indicators) {
        if (auto it = index.find(id); it != index.end())
          report.indicators[it->second].checks.insert(check->id);
      }
    }
  }
  // Latest verdict of each check in the period, per indicator.
  std::vector<std::map<std::string, CheckLatest>> latest(report.indicators.size());
  const double span =
      std::max(1.0, std::chrono::duration<double>(request.to - request.from).count());

  std::vector<std::string> segments;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(request.evidence_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("evidence-", 0) == 0 && entry.path().extension() == ".jsonl")
      segments.push_back(name);
  }
  std::sort(segments.begin(), segments.end());
  std::map<std::string, MaintenanceSeen> windows;       // by name and start
  std::map<std::string, WaiverSeen> waivers;            // the latest waiver record per indicator
  std::map<std::string, AttestationSeen> attestations;  // the latest record per attestation id
  for (const auto& segment : segments) {
    std::ifstream in(request.evidence_dir + "/" + segment, std::ios::binary);
    for (std::string line; std::getline(in, line);) {
      if (line.find("\"type\":\"waiver\"") != std::string::npos) {
        const auto record = parse_json_bounded(line);
        if (record.is_object() && record.value("type", "") == "waiver" &&
            record.contains("indicator") && record.value("time", "") <= report.to) {
          waivers[record.value("indicator", "")] = {
              record.value("indicator", ""), record.value("reason", ""), record.value("owner", ""),
              record.value("until_utc", ""), record.value("seq", std::uint64_t(0))};
        }
        continue;
      }
      if (line.find("\"type\":\"maintenance\"") != std::string::npos) {
        // A window declared or configured: listed when it overlaps the period, even if no run
        // fell inside it; a later record of the same window (ended early) has the last word.
        const auto record = parse_json_bounded(line);
        if (record.is_object() && record.value("type", "") == "maintenance" &&
            record.value("from", "") <= report.to && record.value("to", "") >= report.from) {
          auto& seen = windows[record.value("name", "") + '\0' + record.value("from", "")];
          seen.name = record.value("name", "");
          seen.reason = record.value("reason", "");
          seen.from = record.value("from", "");
          seen.to = record.value("to", "");
        }
        continue;
      }
      if (line.find("\"type\":\"attestation\"") != std::string::npos) {
        const auto record = parse_json_bounded(line);
        if (record.is_object() && record.value("type", "") == "attestation" &&
            record.value("time", "") <= report.to) {
          auto seen = attestation_seen(record);
          attestations[seen.id] = std::move(seen);
        }
        continue;
      }
      if (line.find("\"type\":\"run\"") == std::string::npos) continue;
      const auto record = parse_json_bounded(line);
      if (!record.is_object() || record.value("type", "") != "run") continue;
      const std::string time = record.value("time", "");
      if (time < report.from || time > report.to) continue;
      const auto when = parse_utc_time(time);
      const bool passed = record.value("verdict", "") == "pass";
      // Planned downtime: the run is listed with its window; a failure does not count.
      if (const auto m = record.find("maintenance"); m != record.end() && m->is_object()) {
        auto& seen = windows[m->value("name", "") + '\0' + m->value("from", "")];
        if (seen.name.empty()) {  // the window's own record, when there is one, says it better
          seen.name = m->value("name", "");
          seen.reason = m->value("reason", "");
          seen.from = m->value("from", "");
          seen.to = m->value("to", "");
        }
        ++seen.runs;
        if (!passed) {
          ++seen.excused;
          for_each_indicator(record, index, [&](std::size_t i) { ++report.indicators[i].excused; });
          continue;
        }
      }
      if (const auto site = record.find("site"); site != record.end() && site->is_string()) {
        auto& labels = report.sites[site->get<std::string>()];
        if (const auto l = record.find("site_labels"); l != record.end() && l->is_object()) {
          for (const auto& [name, value] : l->items()) {
            if (value.is_string()) labels[name] = value.get<std::string>();
          }
        }
      }
      const CitedRun cited{record.value("seq", std::uint64_t(0)), record.value("hash", ""), time,
                           record.value("check", ""), record.value("reason", "")};
      for_each_indicator(record, index, [&](std::size_t position) {
        auto& f = report.indicators[position];
        ++f.runs;
        f.passes += passed ? 1 : 0;
        if (f.first_time.empty() || time < f.first_time) f.first_time = time;
        if (time > f.last_time) f.last_time = time;
        f.checks.insert(cited.check);
        auto& cite = passed ? f.latest_pass : f.latest_failure;
        if (!cite || cite->time <= time) cite = cited;
        auto& check_latest = latest[position][cited.check];
        if (check_latest.time <= time) check_latest = {time, passed};
        if (when) {
          const double offset = std::chrono::duration<double>(*when - request.from).count();
          auto slice = std::size_t(std::clamp(offset / span * request.strip_slices, 0.0,
                                              double(request.strip_slices - 1)));
          char& c = f.strip[slice];
          if (!passed)
            c = 'F';
          else if (c == '.')
            c = 'P';
        }
      });
    }
  }
  for (std::size_t i = 0; i < report.indicators.size(); ++i) {
    auto& f = report.indicators[i];
    std::vector<CheckStanding> standings;
    for (const auto& check : f.checks) {
      auto it = latest[i].find(check);
      standings.push_back(it == latest[i].end() ? CheckStanding::pending
                          : it->second.passed   ? CheckStanding::passing
                                                : CheckStanding::failing);
    }
    const auto policy =
        request.config ? request.config->policy_of(f.indicator->id) : IndicatorPolicy::all;
    // A waiver or an attestation counts when it is in the chain and in force at the period's end.
    const auto w = waivers.find(f.indicator->id);
    const bool waived = w != waivers.end() && w->second.until > report.to;
    if (waived) report.waivers.push_back(w->second);
    for (const auto& [id, a] : attestations) {
      if (a.indicator == f.indicator->id && a.valid_from <= report.to && a.expires > report.to &&
          (!f.attestation || a.expires > f.attestation->expires)) {
        f.attestation = a;
      }
    }
    const auto decision =
        decide(policy, standings, !f.checks.empty(), f.attestation.has_value(), waived);
    f.status = decision.status;
    f.basis = decision.basis;
  }
  for (auto& [key, seen] : windows)
    report.maintenance.push_back(std::move(seen));
  std::sort(report.maintenance.begin(), report.maintenance.end(),
            [](const MaintenanceSeen& a, const MaintenanceSeen& b) { return a.from < b.from; });
  return report;
}

}  // namespace campus
