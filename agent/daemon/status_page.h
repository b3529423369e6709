#pragma once
// The status page at `/`: indicators per edition and the checks behind them, at a glance. The
// page itself (status_page.html) is compiled into the binary; it paints from the data it carries
// and then refreshes itself from /api/*.

#include <string>

#include <nlohmann/json.hpp>

namespace campus {

class Catalog;

/// The page with `initial` (an object of /api/*'s answers: "indicators", "checks" with history,
/// "failures", and "site" when the agent has one), the catalog's names in English, and the
/// version (with the site) spliced in. The data is placed
/// inside a <script type="application/json"> element, escaped so that no text of a target can
/// end it.
std::string status_page(const Catalog& catalog, nlohmann::json initial);

}  // namespace campus
