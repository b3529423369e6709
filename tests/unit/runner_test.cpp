// The runner and scheduler with fake probes on a real io_context: deadlines, retries, exceptions,
// the concurrency limit and never overlapping a check with itself.

#include <map>
#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <doctest/doctest.h>

#include "core/logger.h"
#include "core/worker_pool.h"
#include "net/curl_driver.h"
#include "net/curl_handles.h"
#include "runtime/check_runner.h"
#include "runtime/scheduler.h"

using namespace campus;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Waits `delay` (or until cancelled), then returns the next scripted result.
class FakeProbe final : public Probe {
 public:
  FakeProbe(std::chrono::milliseconds delay, std::vector<ProbeResult> script = {})
      : delay_(delay), script_(std::move(script)) {}

  asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    ++started;
    ++in_flight;
    max_in_flight = std::max(max_in_flight, in_flight);
    asio::steady_timer timer(ctx.executor, delay_);
    auto scope = ctx.cancel.on_cancel([&] { timer.cancel(); });
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    --in_flight;
    ++finished;
    if (ec) co_return ProbeResult::fail(FailureKind::timeout, "cancelled");
    if (throws) throw std::runtime_error("boom");
    if (script_.empty()) co_return ProbeResult::pass("ok");
    ProbeResult next = script_.front();
    if (script_.size() > 1) script_.erase(script_.begin());
    co_return next;
  }

  int started = 0;
  int finished = 0;
  int in_flight = 0;
  int max_in_flight = 0;
  bool throws = false;

 private:
  std::chrono::milliseconds delay_;
  std::vector<ProbeResult> script_;
};

std::shared_ptr<Check> make_check(std::string id, std::shared_ptr<Probe> probe,
                                  std::chrono::milliseconds interval,
                                  std::chrono::milliseconds timeout) {
  auto c = std::make_shared<Check>();
  c->id = std::move(id);
  c->probe_type = "fake";
  c->target = "nowhere";
  c->interval = interval;
  c->timeout = timeout;
  c->fingerprint = c->id + std::to_string(interval.count());
  c->probe = std::move(probe);
  return c;
}

struct Harness {
  asio::io_context io;
  CurlGlobal curl_global;
  CurlDriver curl{io};
  WorkerPool workers{1, 8};
  Logger log{LogLevel::error, LogFormat::text, [](std::string_view) {}};
  CheckRunner runner{io, curl, workers, log};

  // Runs the io_context until `done()` or the deadline.
  template <typename Pred>
  bool run_until(Pred done, std::chrono::seconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(10ms);
      if (io.stopped()) io.restart();
    }
    return done();
  }
};

}  // namespace

TEST_CASE("a run that overruns its timeout is cancelled and judged a timeout") {
  Harness h;
  auto probe = std::make_shared<FakeProbe>(60s);
  std::optional<RunRecord> record;
  h.runner.start(make_check("slow", probe, 1s, 100ms), [&](RunRecord r) { record = r; });
  REQUIRE(h.run_until([&] { return record.has_value() && probe->finished == 1; }));
  CHECK(record->result.verdict == Verdict::fail);
  CHECK(record->result.kind == FailureKind::timeout);
  CHECK(record->result.reason == "timeout after 100ms");
  CHECK(record->result.duration >= 100ms);
  CHECK(h.runner.in_flight() == 0);
}

TEST_CASE("an exception from a probe becomes an internal error") {
  Harness h;
  auto probe = std::make_shared<FakeProbe>(1ms);
  probe->throws = true;
  std::optional<RunRecord> record;
  h.runner.start(make_check("bug", probe, 1s, 1s), [&](RunRecord r) { record = r; });
  REQUIRE(h.run_until([&] { return record.has_value(); }));
  CHECK(record->result.verdict == Verdict::error);
  CHECK(record->result.kind == FailureKind::internal);
  CHECK(record->result.reason == "internal error in the probe: boom");
}

TEST_CASE("retries cure connect failures within one run, but not bad content") {
  Harness h;
  auto flaky = std::make_shared<FakeProbe>(
      1ms, std::vector<ProbeResult>{ProbeResult::fail(FailureKind::connect, "refused"),
                                    ProbeResult::fail(FailureKind::connect, "refused"),
                                    ProbeResult::pass("ok")});
  auto check = make_check("flaky", flaky, 1s, 1s);
  check->retries = 2;
  std::optional<RunRecord> record;
  h.runner.start(check, [&](RunRecord r) { record = r; });
  REQUIRE(h.run_until([&] { return record.has_value(); }));
  CHECK(record->result.verdict == Verdict::pass);
  CHECK(record->attempts == 3);

  auto wrong = std::make_shared<FakeProbe>(
      1ms, std::vector<ProbeResult>{ProbeResult::fail(FailureKind::bad_content, "no match")});
  auto check2 = make_check("wrong", wrong, 1s, 1s);
  check2->retries = 2;
  record.reset();
  h.runner.start(check2, [&](RunRecord r) { record = r; });
  REQUIRE(h.run_until([&] { return record.has_value(); }));
  CHECK(record->result.kind == FailureKind::bad_content);
  CHECK(record->attempts == 1);
}

TEST_CASE("the scheduler keeps to the concurrency limit and runs every check") {
  Harness h;
  auto probe = std::make_shared<FakeProbe>(30ms);
  std::map<std::string, int> runs;
  Scheduler scheduler(h.io, h.runner, 2, [&](RunRecord r) { ++runs[r.check->id]; });
  std::vector<std::shared_ptr<const Check>> checks;
  for (int i = 0; i < 6; ++i)
    checks.push_back(make_check("c" + std::to_string(i), probe, 200ms, 100ms));
  scheduler.set_checks(checks);
  REQUIRE(h.run_until([&] {
    if (runs.size() < 6) return false;
    for (auto& [id, n] : runs) {
      if (n < 2) return false;
    }
    return true;
  }));
  CHECK(probe->max_in_flight <= 2);
  scheduler.stop();
}

TEST_CASE("a check never overlaps itself, the overdue run is skipped") {
  // Holds each run until released, so that a run ends when the test says, not when a clock does.
  class HeldProbe final : public Probe {
   public:
    asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
      ++started;
      ++in_flight;
      max_in_flight = std::max(max_in_flight, in_flight);
      if (released < started) {
        asio::steady_timer hold(ctx.executor, std::chrono::hours(1));
        held = &hold;
        boost::system::error_code ec;
        co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        held = nullptr;
      }
      --in_flight;
      co_return ProbeResult::pass("ok");
    }
    void release() {
      ++released;
      if (held) held->cancel();
    }
    int started = 0;
    int released = 0;
    int in_flight = 0;
    int max_in_flight = 0;

   private:
    asio::steady_timer* held = nullptr;
  };
  Harness h;
  auto probe = std::make_shared<HeldProbe>();
  // Each run is held through two due times and released at the second skip; after the third
  // result the scheduler stops. The counts follow from the scheduler's decisions alone, however
  // late its timers fire.
  constexpr int kSkipsPerRun = 2;
  constexpr int kRuns = 3;
  int results = 0, skipped = 0;
  Scheduler* to_stop = nullptr;
  Scheduler scheduler(h.io, h.runner, 10, [&](RunRecord r) {
    CHECK(r.result.verdict == Verdict::pass);
    CHECK(skipped == (results + 1) * kSkipsPerRun);  // every due of the run was skipped
    if (++results == kRuns) to_stop->stop();
  });
  to_stop = &scheduler;
  scheduler.on_skip([&](const CheckSpec& check) {
    CHECK(check.id == "long");
    CHECK(h.runner.in_flight() == 1);  // skipped only while its own run is in flight
    CHECK(probe->started == results + 1);
    if (++skipped % kSkipsPerRun == 0) probe->release();
  });
  // The timeout (1 min) never ends a run: only the release does.
  scheduler.set_checks({make_check("long", probe, 100ms, 60s)});
  REQUIRE(h.run_until([&] { return results == kRuns && h.runner.in_flight() == 0; }));
  CHECK(skipped == kRuns * kSkipsPerRun);
  CHECK(probe->started == kRuns);  // the first due after each result started the next run
  CHECK(probe->max_in_flight == 1);
  CHECK(probe->in_flight == 0);
}

TEST_CASE("the late result of a removed check is not reported, an unchanged one keeps running") {
  Harness h;
  auto probe = std::make_shared<FakeProbe>(20ms);
  std::map<std::string, int> runs;
  Scheduler scheduler(h.io, h.runner, 10, [&](RunRecord r) { ++runs[r.check->id]; });
  auto keep = make_check("keep", probe, 100ms, 50ms);
  auto drop = make_check("drop", probe, 100ms, 50ms);
  scheduler.set_checks({keep, drop});
  REQUIRE(h.run_until([&] { return runs["keep"] >= 1 && runs["drop"] >= 1; }));
  scheduler.set_checks({keep});
  const int dropped_runs = runs["drop"];
  const int kept_runs = runs["keep"];
  REQUIRE(h.run_until([&] { return runs["keep"] >= kept_runs + 3; }));
  CHECK(runs["drop"] <= dropped_runs + 1);  // at most the run already in flight
  scheduler.stop();
}

TEST_CASE("scheduled runs keep their step log only when they fail, and may skip evidence") {
  // Notes what the runner offered it, and writes one step and one detail line.
  class ObservingProbe final : public Probe {
   public:
    asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
      offered_evidence = ctx.wants_evidence;
      ctx.log.add("step");
      if (ctx.log.verbose()) ctx.log.add("detail");
      if (fail) co_return ProbeResult::fail(FailureKind::bad_status, "HTTP 503");
      co_return ProbeResult::pass("ok");
    }
    bool offered_evidence = false;
    bool fail = false;
  };
  Harness h;
  auto probe = std::make_shared<ObservingProbe>();
  const auto check = make_check("observed", probe, 1000ms, 500ms);
  const auto run = [&](StepLog step_log) {
    std::optional<RunRecord> record;
    h.runner.start(
        check, [&](RunRecord r) { record = std::move(r); }, step_log);
    REQUIRE(h.run_until([&] { return record.has_value(); }));
    return std::move(*record);
  };

  h.runner.set_evidence_recorded(false);
  auto scheduled = run(StepLog::on_failure);
  CHECK(scheduled.log == nullptr);
  CHECK_FALSE(probe->offered_evidence);
  // A failing scheduled run keeps its steps (not the detail) so that it explains itself later.
  probe->fail = true;
  auto failed = run(StepLog::on_failure);
  REQUIRE(failed.log != nullptr);
  CHECK(failed.log->text().find("step") != std::string::npos);
  CHECK(failed.log->text().find("detail") == std::string::npos);
  probe->fail = false;
  // On demand (/probe, `campus-probe probe`) the full step log and the evidence are shown.
  auto on_demand = run(StepLog::keep);
  REQUIRE(on_demand.log != nullptr);
  CHECK(on_demand.log->text().find("step") != std::string::npos);
  CHECK(on_demand.log->text().find("detail") != std::string::npos);
  CHECK(probe->offered_evidence);
  // With an evidence log every run's evidence is wanted.
  h.runner.set_evidence_recorded(true);
  scheduled = run(StepLog::on_failure);
  CHECK(scheduled.log == nullptr);
  CHECK(probe->offered_evidence);
}

TEST_CASE("a check outside its active window does not run, and the scheduler says so once") {
  Harness h;
  auto probe = std::make_shared<FakeProbe>(1ms);
  std::map<std::string, int> runs;
  std::vector<std::string> told;
  Scheduler scheduler(h.io, h.runner, 10, [&](RunRecord r) { ++runs[r.check->id]; });
  scheduler.on_window(
      [&](const CheckSpec& c, bool in) { told.push_back(c.id + (in ? ":in" : ":out")); });
  // A term that ended in 2020: never open now. An all-week, all-day window: always open.
  ActiveWindow ended;
  ended.calendar = "term-2020";
  ended.dates = {{*parse_civil_date("2020-02-17"), *parse_civil_date("2020-07-10")}};
  auto closed = make_check("library-term-2020", probe, 40ms, 30ms);
  closed->active = ended;
  auto open = make_check("always", probe, 40ms, 30ms);
  open->active = ActiveWindow{};
  auto plain = make_check("plain", probe, 40ms, 30ms);
  scheduler.set_checks({closed, open, plain});
  REQUIRE(h.run_until([&] { return runs["always"] >= 3 && runs["plain"] >= 3; }));
  scheduler.stop();
  CHECK(runs["library-term-2020"] == 0);
  // Each windowed check is told once, at once; a check without a window is never mentioned.
  CHECK(told == std::vector<std::string>{"library-term-2020:out", "always:in"});
}

TEST_CASE("a scheduler destroyed with a run in flight is not called back when the run ends") {
  Harness h;
  auto probe = std::make_shared<FakeProbe>(5000ms);
  int results = 0;
  {
    Scheduler scheduler(h.io, h.runner, 2, [&](RunRecord) { ++results; });
    scheduler.set_checks({make_check("slow", probe, 10000ms, 8000ms)});
    REQUIRE(h.run_until([&] { return probe->in_flight == 1; }));
  }
  // The runner outlives the scheduler (as in the daemon): cancelling the run completes it, and
  // the completion must find no scheduler to call.
  h.runner.cancel_all();
  h.run_until([&] { return probe->in_flight == 0; }, 2s);
  CHECK(results == 0);
}
