// Shared logins with fake probes on a real io_context: one login serves many checks, never two
// logins of a session at once, a check sent back to log in gets one new login and a retry, a
// failed login is not retried before retry_after, and the ttl ends a login.

#include <optional>
#include <set>
#include <thread>
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

using namespace campus;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

asio::awaitable<void> login_pause(ProbeContext& ctx, std::chrono::milliseconds delay) {
  asio::steady_timer timer(ctx.executor, delay);
  auto scope = ctx.cancel.on_cancel([&] { timer.cancel(); });
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// Logs in after `delay`: leaves a cookie numbered by its login, or fails as scripted.
class FakeLogin final : public Probe {
 public:
  asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    ++started;
    max_in_flight = std::max(max_in_flight, ++in_flight);
    co_await login_pause(ctx, 50ms);
    --in_flight;
    if (fail) co_return ProbeResult::fail(FailureKind::auth_rejected, "wrong password");
    if (ctx.capture) {
      ctx.capture->cookies.push_back("sso.campus.test\tFALSE\t/\tFALSE\t0\tTGC\tcookie-" +
                                     std::to_string(started));
      ctx.capture->login_urls.push_back("http://sso.campus.test/login");
    }
    co_return ProbeResult::pass("logged in");
  }
  int started = 0;
  int in_flight = 0;
  int max_in_flight = 0;
  bool fail = false;
};

// An app page: not accepted when its session's login is in `revoked` (or always, if `never`).
class FakeApp final : public Probe {
 public:
  asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    co_await login_pause(ctx, 5ms);
    if (!ctx.session) co_return ProbeResult::fail(FailureKind::internal, "no session");
    seen.push_back(ctx.session->login);
    if (never || revoked.count(ctx.session->login)) {
      ctx.session_rejected = "sent to the login page http://sso.campus.test/login";
      co_return ProbeResult::pass("the login page loaded");  // what a naive check would say
    }
    co_return ProbeResult::pass("timetable shown");
  }
  std::vector<std::uint64_t> seen;
  std::set<std::uint64_t> revoked;
  bool never = false;
};

struct SessionHarness {
  asio::io_context io;
  CurlGlobal curl_global;
  CurlDriver curl{io};
  WorkerPool workers{1, 8};
  Logger log{LogLevel::error, LogFormat::text, [](std::string_view) {}};
  CheckRunner runner{io, curl, workers, log};
  std::shared_ptr<FakeLogin> login = std::make_shared<FakeLogin>();
  std::vector<SessionLoginRecord> logins;
  std::vector<std::string> lost;

  explicit SessionHarness(Duration ttl = 1h, Duration retry_after = 5min) {
    auto spec = std::make_shared<SessionSpec>();
    spec->name = "student";
    spec->probe_type = "fake-login";
    spec->ttl = ttl;
    spec->retry_after = retry_after;
    spec->fingerprint = "v1";
    auto check = std::make_shared<Check>();
    check->id = "session:student";
    check->probe_type = "fake-login";
    check->timeout = 5s;
    check->probe = login;
    auto session = std::make_shared<SessionLogin>();
    session->spec = spec;
    session->login = check;
    runner.sessions().set_sessions({{"student", session}});
    runner.sessions().on_login([this](SessionLoginRecord r) { logins.push_back(std::move(r)); });
    runner.sessions().on_lost(
        [this](const SessionSpec&, const std::string& reason) { lost.push_back(reason); });
  }

  std::shared_ptr<Check> app_check(std::string id, std::shared_ptr<Probe> probe) {
    auto c = std::make_shared<Check>();
    c->id = std::move(id);
    c->probe_type = "fake-app";
    c->timeout = 2s;
    c->session = "student";
    c->probe = std::move(probe);
    return c;
  }

  std::vector<RunRecord> run(const std::vector<std::shared_ptr<Check>>& checks) {
    std::vector<RunRecord> records;
    for (const auto& check : checks)
      runner.start(
          check, [&](RunRecord r) { records.push_back(std::move(r)); }, StepLog::on_failure);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (records.size() < checks.size() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(10ms);
      if (io.stopped()) io.restart();
    }
    REQUIRE(records.size() == checks.size());
    return records;
  }
};

}  // namespace

TEST_CASE("three checks of one session started together cause one login, and the ttl ends it") {
  SessionHarness h(300ms);
  auto app = std::make_shared<FakeApp>();
  const auto records = h.run(
      {h.app_check("timetable", app), h.app_check("grades", app), h.app_check("profile", app)});
  CHECK(h.login->started == 1);
  CHECK(h.login->max_in_flight == 1);
  REQUIRE(h.logins.size() == 1);
  CHECK(h.logins[0].login == 1);
  CHECK(h.logins[0].run.check->id == "session:student");
  for (const auto& r : records) {
    INFO(r.check->id << ": " << r.result.reason);
    CHECK(r.result.verdict == Verdict::pass);
    REQUIRE(r.session);
    CHECK(r.session->name == "student");
    CHECK(r.session->login == 1);
    CHECK(r.session->capture.cookies.size() == 1);
  }
  // Within the ttl the login serves again; after it, the next check logs in anew.
  h.run({h.app_check("timetable", app)});
  CHECK(h.login->started == 1);
  std::this_thread::sleep_for(350ms);
  const auto later = h.run({h.app_check("timetable", app), h.app_check("grades", app)});
  CHECK(h.login->started == 2);
  CHECK(h.login->max_in_flight == 1);
  CHECK(later[0].session->login == 2);
  CHECK(later[1].session->login == 2);
}

TEST_CASE("a check sent back to log in gets one new login and a retry that passes") {
  SessionHarness h;
  auto app = std::make_shared<FakeApp>();
  h.run({h.app_check("timetable", app)});
  app->revoked.insert(1);  // the SSO server killed login 1
  app->seen.clear();
  const auto records = h.run({h.app_check("timetable", app), h.app_check("grades", app)});
  // Both checks were refused with login 1; only one new login follows.
  CHECK(h.login->started == 2);
  CHECK(h.login->max_in_flight == 1);
  CHECK(h.lost.size() == 1);
  for (const auto& r : records) {
    INFO(r.check->id << ": " << r.result.reason);
    CHECK(r.result.verdict == Verdict::pass);
    CHECK(r.result.reason == "timetable shown");
    CHECK(r.session->login == 2);
  }
  CHECK(app->seen == std::vector<std::uint64_t>{1, 1, 2, 2});
}

TEST_CASE("a session its checks never accept fails them as auth_rejected, not as a pass") {
  SessionHarness h;
  auto app = std::make_shared<FakeApp>();
  app->never = true;
  const auto records = h.run({h.app_check("timetable", app)});
  CHECK(records[0].result.verdict == Verdict::fail);
  CHECK(records[0].result.kind == FailureKind::auth_rejected);
  CHECK(records[0].result.reason ==
        "session \"student\" was not accepted even after a new login: sent to the login page "
        "http://sso.campus.test/login");
  CHECK(h.login->started == 2);
}

TEST_CASE("a failed login fails its checks with its reason and is not retried before retry_after") {
  SessionHarness h(1h, 200ms);
  h.login->fail = true;
  auto app = std::make_shared<FakeApp>();
  const auto first = h.run({h.app_check("timetable", app), h.app_check("grades", app)});
  CHECK(h.login->started == 1);
  for (const auto& r : first) {
    CHECK(r.result.verdict == Verdict::fail);
    CHECK(r.result.kind == FailureKind::auth_rejected);
    CHECK(r.result.reason == "session \"student\" login failed: wrong password");
    CHECK_FALSE(r.session);
  }
  REQUIRE(h.logins.size() == 1);
  CHECK(h.logins[0].login == 0);
  CHECK(h.logins[0].run.result.verdict == Verdict::fail);
  // Meanwhile: the same failure, no new login (a locked test account helps nobody).
  const auto again = h.run({h.app_check("timetable", app)});
  CHECK(h.login->started == 1);
  CHECK(again[0].result.reason.find("session \"student\" login failed ") == 0);
  CHECK(again[0].result.reason.find("ago: wrong password (next login in ") != std::string::npos);
  CHECK(app->seen.empty());
  // After retry_after, a new login; this one works.
  std::this_thread::sleep_for(250ms);
  h.login->fail = false;
  const auto after = h.run({h.app_check("timetable", app)});
  CHECK(h.login->started == 2);
  CHECK(after[0].result.verdict == Verdict::pass);
  CHECK(after[0].session->login == 1);  // the first login that succeeded
}
