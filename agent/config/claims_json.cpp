#include "config/claims_json.h"

#include "core/logger.h"

namespace campus {
namespace {

nlohmann::json person_json(const Person& person) {
  return {{"name", person.name}, {"role", person.role}};
}

}  // namespace

nlohmann::json waiver_record(const Waiver& w) {
  nlohmann::json record = {{"type", "waiver"},
                           {"reason", w.reason},
                           {"owner", w.owner},
                           {"until", w.until_text},
                           {"until_utc", rfc3339_utc(w.until)}};
  if (!w.indicator.empty()) record["indicator"] = w.indicator;
  if (!w.check.empty()) record["check"] = w.check;
  return record;
}

nlohmann::json maintenance_record(const MaintenanceWindow& w, const std::string& source) {
  return {{"type", "maintenance"},
          {"source", source},
          {"name", w.name},
          {"reason", w.reason},
          {"from", rfc3339_utc(w.from)},
          {"to", rfc3339_utc(w.to)},
          {"checks", w.checks},
          {"systems", w.systems},
          {"labels", w.labels}};
}

nlohmann::json attestation_record(const Attestation& a) {
  return {{"type", "attestation"},
          {"id", a.id},
          {"indicator", a.indicator},
          {"statement", a.statement},
          {"owner", person_json(a.owner)},
          {"approver", person_json(a.approver)},
          {"document",
           {{"path", a.document_path}, {"ref", a.document_ref}, {"sha256", a.document_sha256}}},
          {"valid_from", a.valid_from_text},
          {"expires", a.expires_text},
          {"valid_from_utc", rfc3339_utc(a.valid_from)},
          {"expires_utc", rfc3339_utc(a.expires)}};
}

nlohmann::json site_members(const Config& config) {
  nlohmann::json members = nlohmann::json::object();
  if (!config.agent.site.empty()) members["site"] = config.agent.site;
  const auto labels = config.site_labels();
  if (!labels.empty()) members["site_labels"] = labels;
  return members;
}

}  // namespace campus
