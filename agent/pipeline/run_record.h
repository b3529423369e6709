#pragma once
// The outcome of one run as the result pipeline sees it: which check, what the probe found, the
// step log when one was kept, when it started and how many attempts it took.

#include <chrono>
#include <memory>

#include "config/config.h"
#include "probe/result.h"
#include "probe/run_log.h"

namespace campus {

/// Immutable once published; shared by the sinks that keep it.
struct RunRecord {
  std::shared_ptr<const CheckSpec> check;
  ProbeResult result;
  std::shared_ptr<const RunLog> log;  ///< null when the run kept none
  std::chrono::system_clock::time_point started;
  int attempts = 1;
};

}  // namespace campus
