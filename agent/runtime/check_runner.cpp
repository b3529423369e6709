#include "runtime/check_runner.h"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/logger.h"
#include "probe/probe.h"

namespace campus {

struct CheckRunner::Run {
  Run(boost::asio::io_context& io, CurlDriver& curl, WorkerPool& workers,
      std::shared_ptr<const Check> spec, Completion completion, StepLog kept)
      : check(std::move(spec)),
        step_log(kept),
        log(std::make_shared<RunLog>(
            step_log == StepLog::keep ? 200 : 100,
            step_log == StepLog::keep ? RunLog::Detail::full : RunLog::Detail::steps)),
        deadline(std::chrono::steady_clock::now() + check->timeout),
        timer(io),
        context{io.get_executor(), curl, workers, *log, cancel, deadline},
        done(std::move(completion)) {}

  std::shared_ptr<const Check> check;
  StepLog step_log;
  std::shared_ptr<RunLog> log;  // handed to the record when kept
  CancelSignal cancel;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::system_clock::time_point started_wall = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point deadline;
  boost::asio::steady_timer timer;
  ProbeContext context;
  Completion done;
  std::shared_ptr<SessionCapture> capture;      // when this run is a session's login
  std::shared_ptr<const SessionGrant> session;  // the login this check runs with
  int attempts = 0;
  bool finished = false;
  bool cancelled_by_stop = false;  // by cancel_all(): no verdict on the target
};

bool is_retryable(FailureKind kind) {
  return kind == FailureKind::resolve || kind == FailureKind::connect ||
         kind == FailureKind::timeout;
}

CheckRunner::CheckRunner(boost::asio::io_context& io, CurlDriver& curl, WorkerPool& workers,
                         Logger& log)
    : io_(io), curl_(curl), workers_(workers), log_(log) {}

CheckRunner::~CheckRunner() {
  cancel_all();
}

void CheckRunner::start(std::shared_ptr<const Check> check, Completion done, StepLog step_log,
                        std::shared_ptr<SessionCapture> capture) {
  auto run =
      std::make_shared<Run>(io_, curl_, workers_, std::move(check), std::move(done), step_log);
  run->context.wants_evidence = step_log == StepLog::keep || evidence_recorded_;
  run->capture = std::move(capture);
  run->context.capture = run->capture.get();
  runs_.insert(run);
  // A check of a session waits for its login first; its own timeout starts after that.
  if (run->check->session.empty()) arm_deadline(run);
  boost::asio::co_spawn(
      io_, with_session(run), [this, run](std::exception_ptr error, ProbeResult result) {
        if (error) {
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            result = ProbeResult::error(std::string("internal error in the probe: ") + e.what());
          } catch (...) {
            result = ProbeResult::error("internal error in the probe");
          }
          log_.error("check " + run->check->id + ": " + result.reason);
        }
        run->timer.cancel();
        finish(run, std::move(result));
        runs_.erase(run);
      });
}

void CheckRunner::arm_deadline(const std::shared_ptr<Run>& run) {
  run->deadline = std::chrono::steady_clock::now() + run->check->timeout;
  run->context.deadline = run->deadline;
  run->timer.expires_at(run->deadline);
  run->timer.async_wait([this, run](const boost::system::error_code& ec) {
    if (ec || run->finished) return;
    run->context.log.add("deadline reached: cancelling");
    finish(run, ProbeResult::fail(FailureKind::timeout,
                                  "timeout after " + format_duration(run->check->timeout)));
    run->cancel.cancel();
  });
}

void CheckRunner::cancel_all() {
  sessions_.cancel_all();
  auto runs = runs_;
  for (const auto& run : runs) {
    if (!run->finished) {
      run->cancelled_by_stop = true;
      finish(run, ProbeResult::fail(FailureKind::timeout, "cancelled: the agent is stopping"));
    }
    run->timer.cancel();
    run->cancel.cancel();
  }
}

void CheckRunner::finish(const std::shared_ptr<Run>& run, ProbeResult result) {
  if (run->finished) return;
  run->finished = true;
  result.duration = std::chrono::steady_clock::now() - run->started;
  const bool keep_log = run->step_log == StepLog::keep || result.verdict != Verdict::pass;
  RunRecord record{run->check,        std::move(result),          keep_log ? run->log : nullptr,
                   run->started_wall, std::max(run->attempts, 1), run->session};
  record.cancelled = run->cancelled_by_stop;
  auto done = std::move(run->done);
  done(std::move(record));
}

boost::asio::awaitable<ProbeResult> CheckRunner::with_session(std::shared_ptr<Run> run) {
  const std::string& name = run->check->session;
  if (name.empty()) co_return co_await attempts(run);
  SessionOutcome outcome = co_await sessions_.acquire(name);
  for (int round = 1;; ++round) {
    if (run->finished) co_return ProbeResult::fail(FailureKind::timeout, "cancelled");
    if (!outcome.grant) co_return outcome.failure;
    // The check's own time starts once it has its login; the login is a run of its own.
    if (round == 1) {
      run->started = std::chrono::steady_clock::now();
      run->started_wall = std::chrono::system_clock::now();
    }
    run->session = outcome.grant;
    run->context.session = run->session.get();
    run->context.session_rejected.reset();
    run->context.log.add("session \"" + name + "\": login " + std::to_string(run->session->login));
    arm_deadline(run);
    ProbeResult result = co_await attempts(run);
    if (!run->context.session_rejected) co_return result;
    const std::string reason = *run->context.session_rejected;
    if (round == 2 || run->finished || run->cancel.cancelled()) {
      co_return ProbeResult::fail(
          FailureKind::auth_rejected,
          "session \"" + name + "\" was not accepted even after a new login: " + reason);
    }
    // Logged out (server-side expiry, a killed session): log in again, once, and retry.
    run->context.log.add("session \"" + name + "\" not accepted (" + reason +
                         "); logging in again");
    sessions_.reject(*run->session, reason);
    run->timer.cancel();
    outcome = co_await sessions_.acquire(name);
  }
}

boost::asio::awaitable<ProbeResult> CheckRunner::attempts(std::shared_ptr<Run> run) {
  const int max_attempts = 1 + run->check->retries;
  for (;;) {
    ++run->attempts;
    if (max_attempts > 1) run->context.log.add("attempt " + std::to_string(run->attempts));
    ProbeResult result = co_await run->check->probe->run(run->context);
    const bool again = result.verdict == Verdict::fail && is_retryable(result.kind) &&
                       run->attempts < max_attempts && !run->cancel.cancelled() &&
                       run->context.remaining().count() > 0;
    if (!again) co_return result;
    run->context.log.add("attempt " + std::to_string(run->attempts) + " failed (" +
                         std::string(to_string(result.kind)) + ": " + result.reason +
                         "); retrying");
  }
}

}  // namespace campus
