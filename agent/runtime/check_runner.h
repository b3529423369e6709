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

#include "config/config.h"
#include "probe/result.h"
#include "probe/run_log.h"

namespace campus {

class CurlDriver;
class WorkerPool;
class Logger;

/// The outcome of one run, as the result pipeline sees it.
struct RunRecord {
  std::shared_ptr<const CheckSpec> check;
  ProbeResult result;
  std::shared_ptr<const RunLog> log;  // null when the run did not keep it
  std::chrono::system_clock::time_point started;
  int attempts = 1;
};

/// Whether a run keeps its step log for the record: on-demand runs do (their debug output shows
/// it); scheduled runs do not, as nobody reads it and every probe would pay for it.
enum class StepLog { keep, skip };

/// Not thread-safe: used on its io_context's thread only.
class CheckRunner {
 public:
  using Completion = std::function<void(RunRecord)>;

  CheckRunner(boost::asio::io_context& io, CurlDriver& curl, WorkerPool& workers, Logger& log);
  ~CheckRunner();

  /// Starts a run of `check`; `done` runs exactly once on the io_context, at the latest when the
  /// check's timeout has passed (then with a `timeout` failure).
  void start(std::shared_ptr<const CheckSpec> check, Completion done,
             StepLog step_log = StepLog::keep);
  /// Cancels every run in flight; each completes (with a timeout-like failure) soon after.
  void cancel_all();
  /// Whether scheduled (StepLog::skip) runs' evidence is recorded: when not, their probes may
  /// skip building it. On-demand runs always get it, for their debug output.
  void set_evidence_recorded(bool recorded) { evidence_recorded_ = recorded; }
  std::size_t in_flight() const { return runs_.size(); }

 private:
  struct Run;
  static boost::asio::awaitable<ProbeResult> attempts(std::shared_ptr<Run> run);
  void finish(const std::shared_ptr<Run>& run, ProbeResult result);

  boost::asio::io_context& io_;
  CurlDriver& curl_;
  WorkerPool& workers_;
  bool evidence_recorded_ = true;
  Logger& log_;
  std::set<std::shared_ptr<Run>> runs_;
};

/// Failure kinds a retry may cure: the network was briefly unreachable.
bool is_retryable(FailureKind kind);

}  // namespace campus
