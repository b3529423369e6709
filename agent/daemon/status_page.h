#pragma once
// The status page at `/`: indicators per edition and the checks behind them, at a glance.

#include <string>

namespace campus {

class Daemon;

/// A self-contained HTML page (inline CSS, no scripts or external assets).
std::string status_page(const Daemon& daemon);

}  // namespace campus
