#pragma once
// Maintenance windows declared while the agent runs (POST /api/maintenance): "the library server
// reboots now for 30 minutes". Planned windows belong in the config; these last until they end or
// the agent stops, and each goes into the evidence like the config's.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace campus {

/// Reads a window from a JSON body: `name`, `reason`, `to` or `duration`, optional `from`
/// (default `now`), and what it covers (`checks`, `systems`, `labels`). Times are RFC 3339 with
/// `Z` or an offset (`2026-12-05T08:00:00+08:00`). nullopt with `error` naming the member.
std::optional<MaintenanceWindow> parse_maintenance_request(
    std::string_view body, const Config& config, std::chrono::system_clock::time_point now,
    std::string& error);

}  // namespace campus
