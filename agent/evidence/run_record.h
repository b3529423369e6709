#pragma once
// The evidence record of one probe run: what was asked, what came back, when, and the verdict,
// with every secret removed.

#include <nlohmann/json.hpp>

#include "core/redactor.h"
#include "runtime/check_runner.h"

namespace campus {

/// A `run` record for the evidence log (without seq, prev, hash and mac, which the log sets).
nlohmann::json make_run_record(const RunRecord& run, const Redactor& redactor);

}  // namespace campus
