#pragma once
// Runs a scenario's steps in one web session: expand each request from the run's variables,
// send it, check the expectations, extract what later steps need.

#include <utility>  // boost/asio/awaitable.hpp in 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "common/http_session.h"
#include "common/template.h"
#include "probe/result.h"
#include "scenario_settings.h"

namespace campus {

/// Runs every step of `settings` in `session`, with `variables` already holding the
/// configured variables and secrets. The result names the step that failed.
boost::asio::awaitable<ProbeResult> run_scenario(const ScenarioSettings& settings,
                                                 WebSession& session, Variables& variables);

}  // namespace campus
