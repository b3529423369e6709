#pragma once
// Runs one check once: enforces its deadline, retries what is worth retrying, and turns an
// escaping exception into an `internal` result. Scheduling is not its business.

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <utility>  // boost/asio/awaitable.hpp in 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "pipeline/run_record.h"
#include "probe/result.h"
#include "probe/run_log.h"
#include "runtime/check_plan.h"
#include "runtime/session_pool.h"

namespace campus {

class CurlDriver;
class WorkerPool;
class Logger;

/// What a run is for, which decides how much of its story it keeps. An on-demand run (`/probe`,
/// `campus-probe probe`) keeps a full step log for its debug output. A scheduled run logs its
/// steps only, and its record keeps the log only when the run did not pass: nobody reads a
/// passing run's story, and a failing one must explain itself later.
enum class StepLog { keep, on_failure };

/// Not thread-safe: used on its io_context's thread only.
class CheckRunner {
 public:
  using Completion = std::function<void(RunRecord)>;

  CheckRunner(boost::asio::io_context& io, CurlDriver& curl, WorkerPool& workers, Logger& log);
  ~CheckRunner();

  /// Starts a run of `check`; `done` runs exactly once on the io_context, at the latest when the
  /// check's timeout has passed (then with a `timeout` failure). A check of a session first gets
  /// the session's login from sessions() (its timeout starts once it has one). `capture`, when
  /// set, makes the run a session's login: its probe leaves the cookie jar there.
  void start(std::shared_ptr<const Check> check, Completion done, StepLog step_log = StepLog::keep,
             std::shared_ptr<SessionCapture> capture = nullptr);
  /// The shared logins; configure them with sessions().set_sessions().
  SessionPool& sessions() { return sessions_; }
  /// Cancels every run in flight; each completes (with a timeout-like failure) soon after.
  void cancel_all();
  /// Whether scheduled (StepLog::on_failure) runs' evidence is recorded: when not, their probes
  /// may skip building it. On-demand runs always get it, for their debug output.
  void set_evidence_recorded(bool recorded) { evidence_recorded_ = recorded; }
  std::size_t in_flight() const { return runs_.size(); }

 private:
  struct Run;
  boost::asio::awaitable<ProbeResult> attempts(std::shared_ptr<Run> run);
  boost::asio::awaitable<ProbeResult> with_session(std::shared_ptr<Run> run);
  void arm_deadline(const std::shared_ptr<Run>& run);
  void finish(const std::shared_ptr<Run>& run, ProbeResult result);

  boost::asio::io_context& io_;
  CurlDriver& curl_;
  WorkerPool& workers_;
  bool evidence_recorded_ = true;
  Logger& log_;
  std::set<std::shared_ptr<Run>> runs_;
  SessionPool sessions_{io_, *this};  // last: its logins are runs of this runner
};

/// Failure kinds a retry may cure: the network was briefly unreachable.
bool is_retryable(FailureKind kind);

}  // namespace campus
