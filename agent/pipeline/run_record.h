#pragma once
// The outcome of one run as the result pipeline sees it: which check, what the probe found, the
// step log when one was kept, when it started and how many attempts it took.

#include <chrono>
#include <cstdint>
#include <memory>

#include "config/config.h"
#include "probe/result.h"
#include "probe/run_log.h"
#include "probe/session.h"

namespace campus {

/// Immutable once published; shared by the sinks that keep it.
struct RunRecord {
  std::shared_ptr<const CheckSpec> check;
  ProbeResult result;
  std::shared_ptr<const RunLog> log;  ///< null when the run kept none
  std::chrono::system_clock::time_point started;
  int attempts = 1;
  /// The shared login the run started with (`session:`), or null. Its name, number and time
  /// go to the evidence; its cookies and token never do.
  std::shared_ptr<const SessionGrant> session;
  /// The maintenance window the run started in, if any: a failure then does not count against
  /// the check's indicators (the pipeline sets it).
  std::shared_ptr<const MaintenanceWindow> maintenance = nullptr;
  /// Cut short because the agent is stopping: says nothing about the target, so it is not a
  /// verdict (the daemon does not publish it).
  bool cancelled = false;
};

/// One login of a shared session: a run of its own, with its own evidence and metrics.
struct SessionLoginRecord {
  std::shared_ptr<const SessionSpec> session;
  RunRecord run;            ///< the login's run; its check is `session:NAME`
  std::uint64_t login = 0;  ///< the number of this login when it succeeded, else 0
};

}  // namespace campus
