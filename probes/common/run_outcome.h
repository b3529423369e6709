#pragma once
// The result a multi-request web probe (cas, oidc) builds up while it runs: the first verdict
// decided wins, phases, measurements and evidence accumulate, and at the end the reason is
// redacted by the run's session.

#include <string>
#include <utility>

#include "common/http_session.h"
#include "probe/result.h"

namespace campus {

class RunOutcome {
 public:
  /// Records a failure unless a verdict was decided already (the first cause is the one to show).
  void fail(FailureKind kind, std::string reason) {
    decide(Verdict::fail, kind, std::move(reason));
  }
  void pass(std::string reason) { decide(Verdict::pass, FailureKind::none, std::move(reason)); }
  bool decided() const { return decided_; }

  void phase(std::string name, double seconds) { result_.phase(std::move(name), seconds); }
  void measure(std::string name, double value) { result_.measure(std::move(name), value); }
  nlohmann::json& evidence() { return evidence_; }

  /// The result, its reason redacted by `session`; call once.
  ProbeResult finish(const WebSession& session) {
    ProbeResult r = ProbeResult::error("the probe reached no verdict");
    if (decided_) {
      r.verdict = result_.verdict;
      r.kind = result_.kind;
      r.reason = session.redact(result_.reason);
    }
    r.phases = std::move(result_.phases);
    r.measurements = std::move(result_.measurements);
    r.evidence = std::move(evidence_);
    return r;
  }

 private:
  void decide(Verdict verdict, FailureKind kind, std::string reason) {
    if (decided_) return;
    result_.verdict = verdict;
    result_.kind = kind;
    result_.reason = std::move(reason);
    decided_ = true;
  }

  ProbeResult result_ = ProbeResult::error("");
  bool decided_ = false;
  nlohmann::json evidence_ = nlohmann::json::object();
};

}  // namespace campus
