#pragma once
// Which role each endpoint needs when the listener authenticates (agent.web_config).

#include <string_view>

#include <boost/beast/http/verb.hpp>

#include "config/web_config.h"

namespace campus {

/// `scraper` for reading what Prometheus and people watching the status page need: /metrics,
/// /probe, the status page and its read APIs (/api/checks, /api/indicators, /api/failures) and
/// the health endpoints. `admin` for everything else: the evidence and reports (they name
/// targets, accounts and step logs), reload, maintenance, any write and any path not known here.
Role required_role(boost::beast::http::verb method, std::string_view path);

}  // namespace campus
