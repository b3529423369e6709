#pragma once
// The evidence record of one probe run: what was asked, what came back, when, and the verdict,
// with every secret removed.

#include <nlohmann/json.hpp>

#include "core/redactor.h"
#include "pipeline/run_record.h"

namespace campus {

/// A `run` record for the evidence log (without seq, prev, hash and mac, which the log sets). A run
/// that did not pass carries its step log, when it kept one, as `details.step_log`.
nlohmann::json make_run_record(const RunRecord& run, const Redactor& redactor);

/// A `session_login` record: one login of a shared session, as a run record of the login's
/// check (`session:NAME`) with the session's name and, when it succeeded, the login's number
/// that the run records of its checks cite.
nlohmann::json make_session_login_record(const SessionLoginRecord& login, const Redactor& redactor);

}  // namespace campus
