#pragma once
// The evidence sink: every published run becomes a `run` record in the evidence log, redacted.

#include "core/redactor.h"
#include "evidence/evidence_log.h"
#include "pipeline/result_pipeline.h"

namespace campus {

class EvidenceSink final : public ResultSink {
 public:
  /// `log` and `redactor` must outlive the sink; the redactor is the agent's current one.
  EvidenceSink(EvidenceLog& log, const Redactor& redactor) : log_(log), redactor_(redactor) {}

  /// Takes the agent's site and labels, which every record carries.
  void configure(const ConfigChange& change) override;
  void publish(const Publication& publication) override;
  void session_login(const SessionLoginRecord& login) override;

 private:
  EvidenceLog& log_;
  const Redactor& redactor_;
  nlohmann::json site_ = nlohmann::json::object();
};

}  // namespace campus
