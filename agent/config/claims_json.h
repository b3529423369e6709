#pragma once
// What people state about indicators (waivers and attestations) as JSON: the body of their
// evidence records, which the compliance report reads back, and of their /api views.

#include <nlohmann/json.hpp>

#include "config/config.h"

namespace campus {

/// {"type":"waiver", indicator | check, reason, owner, until, until_utc}
nlohmann::json waiver_record(const Waiver& waiver);
/// {"type":"maintenance", name, reason, from, to (RFC 3339 UTC), checks, systems, labels, source}
nlohmann::json maintenance_record(const MaintenanceWindow& window, const std::string& source);
/// {"type":"attestation", id, indicator, statement, owner, approver, document: {path, ref,
/// sha256}, valid_from, expires, valid_from_utc, expires_utc}
nlohmann::json attestation_record(const Attestation& attestation);

/// {site, site_labels}: where the agent probes from, as members of the evidence records it
/// writes (runs, logins, claims, segment openings), so that logs pulled from several sites stay
/// apart. Each member only when set; an empty object when neither is.
nlohmann::json site_members(const Config& config);

}  // namespace campus
