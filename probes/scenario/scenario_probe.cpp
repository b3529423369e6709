// The `scenario` probe: a declarative multi-step HTTP flow (log in, follow the SSO dance, reach
// a protected page) in one browser-like session per run.

#include "probe/registry.h"
#include "scenario_runner.h"
#include "scenario_settings.h"

namespace campus {
namespace {

class ScenarioProbe final : public Probe {
 public:
  explicit ScenarioProbe(ScenarioSettings settings) : s_(std::move(settings)) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    Variables variables;
    variables.set("target", s_.target, false);
    set_secret_variables(variables, s_.secrets);
    for (const auto& [name, value] : s_.variables) {
      std::string problem;
      auto expanded = value.expand(variables, problem);
      if (!expanded) {
        co_return ProbeResult::fail(FailureKind::bad_content, "variable " + name + ": " + problem);
      }
      variables.set(name, expanded->text, expanded->sensitive);
    }
    WebSession session(ctx, s_.web);
    ProbeResult result = co_await run_scenario(s_, session, variables);
    // As a session's login: every step passed, so the jar holds the logged-in session.
    if (ctx.capture && result.verdict == Verdict::pass) session.capture(*ctx.capture);
    co_return result;
  }

 private:
  ScenarioSettings s_;
};

}  // namespace

CAMPUS_REGISTER_PROBE("scenario", probe_from_settings<ScenarioProbe>(parse_scenario_settings),
                      .measurements = {{"scenario_steps", "Steps of the scenario"},
                                       {"scenario_steps_passed",
                                        "Steps that passed in the last run"}},
                      .uses_session = true, .logs_in = true);

}  // namespace campus
