#include "sinks/evidence_record.h"

#include <cmath>

#include "core/logger.h"

namespace campus {

nlohmann::json make_run_record(const RunRecord& run, const Redactor& redactor) {
  const auto& r = run.result;
  // Phases as whole microseconds: integers serialise the same in every JSON library, which keeps
  // the canonical form easy to reproduce for auditors' own verifiers.
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& p : r.phases)
    phases[p.name] = std::int64_t(std::llround(p.seconds * 1e6));
  nlohmann::json measurements = nlohmann::json::object();
  for (const auto& m : r.measurements)
    measurements[m.name] = m.value;
  nlohmann::json record = {
      {"type", "run"},
      {"time", rfc3339_utc(run.started)},
      {"check", run.check->id},
      {"probe", run.check->probe_type},
      {"target", redactor.text(run.check->target)},
      {"indicators", run.check->indicators},
      {"verdict", to_string(r.verdict)},
      {"reason", redactor.text(r.reason)},
      {"duration_ms", std::int64_t(std::llround(to_seconds(r.duration) * 1000))},
      {"details",
       {{"kind", to_string(r.kind)},
        {"attempts", run.attempts},
        {"phases_us", phases},
        {"measurements", measurements},
        {"observed", redactor.json(r.evidence)}}},
  };
  // Which login of a shared session the run started with: the proof that it reached the app
  // through single sign-on rather than its own credentials. Never the cookies or the token.
  if (run.session) {
    record["session"] = {{"name", run.session->name},
                         {"login", run.session->login},
                         {"logged_in_at", rfc3339_utc(run.session->logged_in_at)}};
  }
  if (run.maintenance) {
    record["maintenance"] = {{"name", run.maintenance->name},
                             {"reason", redactor.text(run.maintenance->reason)},
                             {"from", rfc3339_utc(run.maintenance->from)},
                             {"to", rfc3339_utc(run.maintenance->to)}};
  }
  // Why a run failed is worth its bytes; a passing run's story is not.
  if (r.verdict != Verdict::pass && run.log && run.log->size() > 0) {
    record["details"]["step_log"] = redactor.text(run.log->text());
  }
  return record;
}

nlohmann::json make_session_login_record(const SessionLoginRecord& login,
                                         const Redactor& redactor) {
  nlohmann::json record = make_run_record(login.run, redactor);
  record["type"] = "session_login";
  record["session"] = {{"name", login.session->name}};
  if (login.login > 0) record["session"]["login"] = login.login;
  return record;
}

}  // namespace campus
