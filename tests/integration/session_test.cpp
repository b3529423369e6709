// Shared logins against a real LemonLDAP::NG and a real CAS client app: the daemon logs a test
// account in once, its checks reach the app through single sign-on without credentials, and a
// session killed on the server is logged in again, once.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support.h"

using namespace campus;
using namespace campus::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Logins of `user` in the portal's own log: LemonLDAP::NG writes one line per authentication.
int portal_logins(const std::string& user) {
  const std::string log = read_file(fs::path(server("LLNG_DIR")) / "fastcgi.log");
  const std::string line = "User " + user + " successfully authenticated";
  int n = 0;
  for (auto at = log.find(line); at != std::string::npos; at = log.find(line, at + 1))
    ++n;
  return n;
}

// What an SSO administrator does to end a user's session: the portal's session (file storage)
// goes, and with it the portal's local cache of sessions. Returns the session ids removed.
std::vector<std::string> kill_portal_sessions(const std::string& user) {
  const fs::path dir = fs::path(server("LLNG_DIR"));
  std::vector<std::string> killed;
  for (const auto& entry : fs::directory_iterator(dir / "sessions")) {
    if (!entry.is_regular_file()) continue;
    if (read_file(entry.path()).find("\"_user\":\"" + user + "\"") == std::string::npos) continue;
    killed.push_back(entry.path().filename().string());
    fs::remove(entry.path());
  }
  fs::remove_all(dir / "cache" / "lemonldap-ng-sessions");
  return killed;
}

std::string pass_series(const std::string& check) {
  return "campus_probe_runs_total{check=\"" + check + "\",result=\"pass\"}";
}

}  // namespace

TEST_CASE(
    "three checks of one SSO session log in once, reach the app, and log in again once "
    "after the portal kills the session") {
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string llng = server("LLNG_PORT");
  const std::string app = "http://app.campus.test:" + server("CAS_APP_PORT");
  const std::string resolve = "[\"auth.campus.test:" + llng +
                              ":127.0.0.1\", \"app.campus.test:" + server("CAS_APP_PORT") +
                              ":127.0.0.1\"]";
  const std::string password_file = dir.file("msmith.pass", "msmith");
  REQUIRE(
      http_request("http://127.0.0.1:" + server("CAS_APP_PORT") + "/stats/reset", "POST").status ==
      204);
  const int logins_before = portal_logins("msmith");
  const std::string config = dir.file(
      "campus.yaml",
      "agent: {listen: 127.0.0.1:" + std::to_string(port) +
          ", default_interval: 1s, default_timeout: 1s}\n"
          "evidence: {dir: " +
          dir.path() +
          "/evidence, fsync: always}\n"
          "secrets:\n  student: {username: msmith, password_file: " +
          password_file +
          "}\n"
          "sessions:\n  student:\n    probe: cas\n    target: \"http://auth.campus.test:" +
          llng +
          "/cas\"\n    timeout: 10s\n    params: {service: \"http://app.campus.test/\", "
          "credentials: student, resolve: " +
          resolve +
          "}\n"
          "checks:\n"
          "  - id: timetable\n    probe: http\n    session: student\n    target: \"" +
          app + "/timetable\"\n    indicators: [H-1.1.1.2]\n    params: {resolve: " + resolve +
          ", json_assert: [\"/user == msmith\", \"/rows length >= 2\"]}\n"
          "  - id: grades\n    probe: http\n    session: student\n    target: \"" +
          app + "/grades\"\n    params: {resolve: " + resolve +
          ", json_assert: [\"/rows/0/score >= 60\"]}\n"
          "  - id: profile\n    probe: scenario\n    session: student\n    target: \"" +
          app + "\"\n    params:\n      resolve: " + resolve +
          "\n      steps: [{name: profile, url: /profile, follow_redirects: true,"
          " expect: {status: 200, body_match: \"2025 Software 1\"}}]\n");
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", config}, dir.path() + "/agent.log");
  const std::vector<std::string> checks = {"timetable", "grades", "profile"};
  auto passes_at_least = [&](double n) {
    return [&, n] {
      for (const auto& id : checks) {
        if (metric(base, pass_series(id)) < n) return false;
      }
      return true;
    };
  };
  REQUIRE_MESSAGE(wait_until(passes_at_least(3), 20s), agent.output());

  // One login for nine and more runs; each run reached the app through the CAS redirect with
  // the session's cookie and got a ticket of its own, without posting credentials.
  CHECK(portal_logins("msmith") == logins_before + 1);
  CHECK(metric(base, "campus_session_logins_total{result=\"pass\",session=\"student\"}") == 1);
  CHECK(metric(base, "campus_session_logins_total{result=\"fail\",session=\"student\"}") == 0);
  CHECK(metric(base, "campus_session_valid{session=\"student\"}") == 1);
  const auto stats = nlohmann::json::parse(
      http_request("http://127.0.0.1:" + server("CAS_APP_PORT") + "/stats").body);
  CHECK(stats["validated"]["msmith"].get<int>() >= 9);

  // The portal ends the session: the next check is sent to the login page, the agent logs in
  // again (once, for all three checks) and the checks pass on their retry.
  const auto killed = kill_portal_sessions("msmith");
  REQUIRE(!killed.empty());
  const double passes_then = metric(base, pass_series("timetable"));
  REQUIRE_MESSAGE(
      wait_until(
          [&] {
            return metric(base,
                          "campus_session_logins_total{result=\"pass\",session=\"student\"}") ==
                       2 &&
                   metric(base, pass_series("timetable")) >= passes_then + 2 &&
                   passes_at_least(passes_then + 2)();
          },
          20s),
      agent.output());
  CHECK(portal_logins("msmith") == logins_before + 2);
  for (const auto& id : checks) {
    CHECK(metric(base, "campus_probe_runs_total{check=\"" + id + "\",result=\"fail\"}") == 0);
  }
  agent.signal(SIGTERM);
  CHECK(agent.wait(10s) == 0);

  // The evidence says which login each run used; the logins are records of their own; no
  // session cookie, ticket or password is anywhere.
  std::string evidence;
  for (const auto& entry : fs::directory_iterator(dir.path() + "/evidence"))
    evidence += read_file(entry.path());
  int login_records = 0;
  int runs_of_login[3] = {0, 0, 0};
  std::istringstream lines(evidence);
  for (std::string line; std::getline(lines, line);) {
    const auto record = nlohmann::json::parse(line);
    if (record["type"] == "session_login") {
      ++login_records;
      CHECK(record["check"] == "session:student");
      CHECK(record["verdict"] == "pass");
      CHECK(record["session"]["login"] == login_records);
    } else if (record["type"] == "run") {
      REQUIRE(record.contains("session"));
      CHECK(record["session"]["name"] == "student");
      const int login = record["session"]["login"].get<int>();
      REQUIRE((login == 1 || login == 2));
      ++runs_of_login[login];
    }
  }
  CHECK(login_records == 2);
  CHECK(runs_of_login[1] >= 9);
  CHECK(runs_of_login[2] >= 6);
  const std::string log = agent.output();
  for (const auto& id : killed) {
    CHECK(evidence.find(id) == std::string::npos);
    CHECK(log.find(id) == std::string::npos);
  }
  CHECK(evidence.find("ticket=ST-") == std::string::npos);
  CHECK(evidence.find("APPSESSION=") == std::string::npos);
}

TEST_CASE("a session whose SSO login asks for a captcha fails its checks with that reason") {
  // A Wisedu-style authserver (the CAS simulator) that demands a captcha: the session's login
  // fails as captcha_required, and its check says so instead of failing on the app's page.
  TempDir dir;
  const std::string sim = "http://127.0.0.1:" + server("CAS_SIM_PORT");
  const std::string password = dir.file("student.pass", "student1pw");
  const std::string config =
      "secrets:\n  student: {username: student1, password_file: " + password +
      "}\n"
      "sessions:\n  student:\n    probe: cas\n    target: \"" +
      sim +
      "/authserver\"\n    params: {service: \"https://portal.campus.test/\", credentials: "
      "student}\n"
      "checks:\n  - id: portal\n    probe: http\n    session: student\n    target: \"" +
      sim + "/authserver/login\"\n";
  REQUIRE(http_request(sim + "/control/captcha?on=1", "POST").status == 200);
  const auto r = run_check(config, "portal");
  REQUIRE(http_request(sim + "/control/captcha?on=0", "POST").status == 200);
  CHECK(r.result.verdict == Verdict::fail);
  CHECK(r.result.kind == FailureKind::captcha_required);
  CHECK(r.result.reason.rfind("session \"student\" login failed: ", 0) == 0);
  CHECK(r.result.reason.find("captcha") != std::string::npos);
  CHECK_FALSE(r.session);
}

TEST_CASE("recipe wisedu-ehall-app opens an EMAP app through the SSO session and reads its data") {
  TempDir dir;
  const std::string llng = server("LLNG_PORT");
  const std::string app_port = server("CAS_APP_PORT");
  const std::string resolve = "[\"auth.campus.test:" + llng +
                              ":127.0.0.1\", \"app.campus.test:" + app_port + ":127.0.0.1\"]";
  const std::string password_file = dir.file("msmith.pass", "msmith");
  const auto config = [&](const std::string& expect) {
    return "secrets:\n  student: {username: msmith, password_file: " + password_file +
           "}\nsessions:\n  student:\n    probe: cas\n    target: \"http://auth.campus.test:" +
           llng +
           "/cas\"\n    params: {service: \"http://app.campus.test/\", credentials: student, "
           "resolve: " +
           resolve +
           "}\n"
           "checks:\n  - id: timetable\n    recipe: wisedu-ehall-app\n    with:\n"
           "      session: student\n      ehall: \"http://app.campus.test:" +
           app_port +
           "\"\n      app_id: \"4770397878132218\"\n"
           "      endpoint: /jwapp/sys/wdkbby/modules/xskcb/cxxszhxqkb.do\n"
           "      form: {XNXQDM: \"2026-2027-1\"}\n      expect: [\"" +
           expect + "\"]\n      resolve: " + resolve + "\n";
  };
  const auto good = run_check(config("/datas/cxxszhxqkb/rows length >= 2"), "timetable");
  INFO(good.result.reason);
  CHECK(good.result.verdict == Verdict::pass);
  CHECK(good.result.reason == "2 steps passed");
  REQUIRE(good.session);
  CHECK(good.check->recipe == "wisedu-ehall-app");
  const auto bad = run_check(config("/datas/cxxszhxqkb/rows length >= 5"), "timetable");
  CHECK(bad.result.verdict == Verdict::fail);
  CHECK(bad.result.reason ==
        "step 2 \"app data\": /datas/cxxszhxqkb/rows: expected length >= 5, got 2");
}
