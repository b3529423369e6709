// The built-in recipes of campus products against their simulators (tests/sim/, following the
// protocol facts of the campus-systems notes) and real servers (Request Tracker, PostgreSQL):
// each passes, and fails precisely on a wrong password, a wrong signature, stale data, or a
// system that is down.

#include <filesystem>
#include <fstream>
#include <iterator>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "recipe_support.h"

using namespace campus;
using namespace campus::test;

namespace {

// The test accounts of the simulators and servers.
struct RecipeAccounts : SecretFiles {
  RecipeAccounts() {
    add("moodle", "username: probe01", "password", "Probe01-pass");
    add("card", "username: \"2024010101\"", "password", "Card-pass1");
    add("glpi_user", "", "token", "probe-user-token-0123456789abcdef");
    add("glpi_app", "", "token", "campus-probe-app-token-0123456789abcdef");
    add("ruijie", "username: ruijie-probe", "password", "Ruijie-pass1");
    add("srun", "username: srun-probe", "password", "Srun-pass1");
    add("dahua", "username: campus-probe", "password", "Dahua-pass1");
    add("artemis", "username: \"24681357\"", "secret", "Artemis-secret-2468");
    add("pg", "username: probe", "password", "probepw");
    std::ifstream token(server("RT_TOKEN_FILE"));
    std::string rt_token;
    std::getline(token, rt_token);
    add("rt", "", "token", rt_token);
    add("rt_wrong", "", "token", "1-27-00000000000000000000000000000000");
  }
};

struct Expected {
  Verdict verdict;
  std::string reason_part;  ///< a part of the reason, or empty
};

void expect(const RunRecord& r, const Expected& e) {
  expect_run(r, e.verdict, e.reason_part);
}

void control(const std::string& port_key, const std::string& json) {
  sim_control(port_key, json);
}

std::string sim(const std::string& name) {
  return product_sim_url(name);
}

}  // namespace

TEST_CASE(
    "recipe moodle-webservice: token, site info and courses, or a wrong password, no courses, "
    "down") {
  RecipeAccounts a;
  const std::string with = "{site: " + sim("MOODLE") + ", credentials: moodle}";
  control("SIM_MOODLE_PORT", R"({"reset": true})");
  expect(a.run("moodle-webservice", with), {Verdict::pass, "3 steps passed"});
  control("SIM_MOODLE_PORT", R"({"password_rejected": true})");
  expect(a.run("moodle-webservice", with), {Verdict::fail, "step 1 \"token\""});
  control("SIM_MOODLE_PORT", R"({"reset": true, "courses": "empty"})");
  expect(a.run("moodle-webservice", with),
         {Verdict::fail, "step 3 \"enrolled courses\": the document: expected length >= 1, got 0"});
  control("SIM_MOODLE_PORT", R"({"reset": true, "offline": "503"})");
  expect(a.run("moodle-webservice", with), {Verdict::fail, "step 1 \"token\""});
  control("SIM_MOODLE_PORT", R"({"reset": true})");
}

TEST_CASE(
    "recipe synjones-onecard: the card's newest transaction is fresh, not stale, wrong password") {
  RecipeAccounts a;
  const std::string with = "{platform: " + sim("ONECARD") + ", credentials: card}";
  control("SIM_ONECARD_PORT", R"({"reset": true})");
  expect(a.run("synjones-onecard", with), {Verdict::pass, "3 steps passed"});
  control("SIM_ONECARD_PORT", R"({"transactions": "stale"})");
  expect(a.run("synjones-onecard", with),
         {Verdict::fail, "/data/records/0/effectdateStr: expected age <= 1h"});
  control("SIM_ONECARD_PORT", R"({"reset": true, "password_rejected": true})");
  expect(a.run("synjones-onecard", with), {Verdict::fail, "step 1 \"token\""});
  control("SIM_ONECARD_PORT", R"({"reset": true, "offline": "close"})");
  expect(a.run("synjones-onecard", with), {Verdict::fail, ""});
  control("SIM_ONECARD_PORT", R"({"reset": true})");
}

TEST_CASE("recipe glpi-tickets: a session, the newest ticket, killSession, or stale and refused") {
  RecipeAccounts a;
  const std::string with =
      "{glpi: " + sim("REPAIR") + ", user_token: glpi_user, app_token: glpi_app}";
  control("SIM_REPAIR_PORT", R"({"reset": true})");
  expect(a.run("glpi-tickets", with), {Verdict::pass, "3 steps passed"});
  control("SIM_REPAIR_PORT", R"({"tickets": "stale"})");
  expect(a.run("glpi-tickets", with), {Verdict::fail, "/0/date_mod: expected age <= 7d"});
  control("SIM_REPAIR_PORT", R"({"reset": true, "password_rejected": true})");
  expect(a.run("glpi-tickets", with), {Verdict::fail, "step 1 \"init session\""});
  control("SIM_REPAIR_PORT", R"({"reset": true})");
}

TEST_CASE("recipe request-tracker-ticket: a real RT 5 files, reads and resolves a ticket") {
  RecipeAccounts a;
  const std::string with = "{rt: \"http://127.0.0.1:" + server("RT_PORT") +
                           "\", token: rt, queue: \"" + server("RT_QUEUE") + "\"}";
  expect(a.run("request-tracker-ticket", with), {Verdict::pass, "3 steps passed"});
  const std::string wrong = "{rt: \"http://127.0.0.1:" + server("RT_PORT") +
                            "\", token: rt_wrong, queue: \"" + server("RT_QUEUE") + "\"}";
  const auto refused = a.run("request-tracker-ticket", wrong);
  expect(refused, {Verdict::fail, "step 1 \"create ticket\""});
  CHECK(refused.result.kind == FailureKind::auth_rejected);
}

TEST_CASE("recipes ruijie-eportal and ruijie-eportal-rsa log in, read the user, log out") {
  RecipeAccounts a;
  const std::string with =
      "{portal: " + sim("NETPORTAL") +
      ", credentials: ruijie, query_string: \"wlanuserip=3139322e3136382e312e3130&wlanacname="
      "6163&nasip=3130&mac=6331\"}";
  control("SIM_NETPORTAL_PORT", R"({"reset": true})");
  expect(a.run("ruijie-eportal", with), {Verdict::pass, "4 steps passed"});
  expect(a.run("ruijie-eportal-rsa", with), {Verdict::pass, "4 steps passed"});
  control("SIM_NETPORTAL_PORT", R"({"password_rejected": true})");
  expect(a.run("ruijie-eportal", with), {Verdict::fail, "step 2 \"login\""});
  expect(a.run("srun-portal-status", "{portal: " + sim("NETPORTAL") + ", username: srun-probe}"),
         {Verdict::pass, "3 steps passed"});
  control("SIM_NETPORTAL_PORT", R"({"reset": true, "offline": "503"})");
  expect(a.run("srun-portal-status", "{portal: " + sim("NETPORTAL") + ", username: srun-probe}"),
         {Verdict::fail, "step 1 \"access controller\""});
  control("SIM_NETPORTAL_PORT", R"({"reset": true})");
}

TEST_CASE("recipe srun-portal-login: challenge, xEncoded info and checksum, online, logout") {
  RecipeAccounts a;
  const std::string with = "{portal: " + sim("NETPORTAL") + ", credentials: srun}";
  control("SIM_NETPORTAL_PORT", R"({"reset": true, "action": "drop_users"})");
  expect(a.run("srun-portal-login", with), {Verdict::pass, "5 steps passed"});
  control("SIM_NETPORTAL_PORT", R"({"password_rejected": true})");
  expect(a.run("srun-portal-login", with), {Verdict::fail, "step 3 \"login\""});
  // A server that keys the password hash the other way refuses the login as the portal would.
  control("SIM_NETPORTAL_PORT", R"({"reset": true, "hmd5": "password_key"})");
  expect(a.run("srun-portal-login", with), {Verdict::fail, "step 3 \"login\""});
  control("SIM_NETPORTAL_PORT", R"({"reset": true, "action": "drop_users"})");
}

TEST_CASE("recipes for door controllers: Dahua records behind Digest, artemis signed events") {
  RecipeAccounts a;
  const std::string dahua = "{controller: " + sim("DOOR") + ", credentials: dahua}";
  const std::string artemis = "{platform: " + sim("DOOR") + ", partner: artemis}";
  control("SIM_DOOR_PORT", R"({"reset": true})");
  expect(a.run("dahua-door-records", dahua), {Verdict::pass, "HTTP 200"});
  expect(a.run("hikvision-artemis-door-events", artemis), {Verdict::pass, "1 steps passed"});
  control("SIM_DOOR_PORT", R"({"events": "stale"})");
  expect(a.run("hikvision-artemis-door-events", artemis),
         {Verdict::fail, "/data/list/0/eventTime: expected age <= 30m"});
  control("SIM_DOOR_PORT", R"({"reset": true, "events": "empty"})");
  expect(a.run("dahua-door-records", dahua), {Verdict::fail, "body does not match"});
  control("SIM_DOOR_PORT", R"({"reset": true, "secret_rotated": true, "password_rejected": true})");
  expect(a.run("hikvision-artemis-door-events", artemis),
         {Verdict::fail, "step 1 \"door events\""});
  const auto refused = a.run("dahua-door-records", dahua);
  CHECK(refused.result.kind == FailureKind::auth_rejected);
  control("SIM_DOOR_PORT", R"({"reset": true})");
}

TEST_CASE("recipe sql-freshness against a real PostgreSQL: fresh and stale POS transactions") {
  RecipeAccounts a;
  const std::string db = "\"postgresql://127.0.0.1:" + server("POSTGRES_PORT") + "/campus\"";
  expect(a.run("sql-freshness", "{database: " + db + ", credentials: pg, table: pos_transactions}"),
         {Verdict::pass, ""});
  expect(a.run("sql-freshness",
               "{database: " + db + ", credentials: pg, table: pos_transactions_stale}"),
         {Verdict::fail, "/0/newest: expected age <= 30m"});
}

TEST_CASE("no secret of a recipe check reaches metrics, API, debug output, log or evidence") {
  RecipeAccounts a;
  TempDir dir;
  for (const char* sim_port : {"SIM_MOODLE_PORT", "SIM_ONECARD_PORT", "SIM_REPAIR_PORT",
                               "SIM_NETPORTAL_PORT", "SIM_DOOR_PORT"}) {
    control(sim_port, R"({"reset": true})");
  }
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string rt = "\"http://127.0.0.1:" + server("RT_PORT") + "\"";
  const std::vector<std::pair<std::string, std::string>> checks = {
      {"moodle", "moodle-webservice\n    with: {site: " + sim("MOODLE") + ", credentials: moodle}"},
      {"card", "synjones-onecard\n    with: {platform: " + sim("ONECARD") + ", credentials: card}"},
      {"glpi", "glpi-tickets\n    with: {glpi: " + sim("REPAIR") +
                   ", user_token: glpi_user, app_token: glpi_app}"},
      {"ruijie", "ruijie-eportal-rsa\n    with: {portal: " + sim("NETPORTAL") +
                     ", credentials: ruijie, query_string: \"wlanuserip=0a&mac=01\"}"},
      {"artemis", "hikvision-artemis-door-events\n    with: {platform: " + sim("DOOR") +
                      ", partner: artemis}"},
      {"dahua",
       "dahua-door-records\n    with: {controller: " + sim("DOOR") + ", credentials: dahua}"},
      {"rt", "request-tracker-ticket\n    with: {rt: " + rt + ", token: rt, queue: \"" +
                 server("RT_QUEUE") + "\"}"}};
  std::string config =
      "agent: {listen: 127.0.0.1:" + std::to_string(port) +
      ", default_interval: 5s, default_timeout: 5s}\nevidence: {dir: " + dir.path() +
      "/evidence}\n" + a.secrets() + "checks:\n";
  for (const auto& [id, use] : checks)
    config += "  - id: " + id + "\n    recipe: " + use + "\n";
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", dir.file("campus.yaml", config),
                 "--log-format", "json", "--log-level", "debug"},
                dir.path() + "/agent.log");
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        const auto metrics = http_request(base + "/metrics").body;
                        return metric_value(metrics, "campus_evidence_records_total").value_or(0) >=
                               double(checks.size()) + 1;
                      },
                      std::chrono::seconds(30)),
                  agent.output());
  std::string seen = http_request(base + "/metrics").body;
  for (const auto& [id, use] : checks) {
    const auto probe = http_request(base + "/probe?check=" + id + "&debug=true");
    CHECK_MESSAGE(probe.body.find("probe_success 1") != std::string::npos, id, probe.body);
    seen += probe.body;
  }
  seen += http_request(base + "/api/checks").body + http_request(base + "/").body;
  agent.signal(SIGTERM);
  REQUIRE(agent.wait(std::chrono::seconds(10)) == 0);
  seen += agent.output();
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() + "/evidence")) {
    std::ifstream in(entry.path());
    seen += std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::ifstream token(server("RT_TOKEN_FILE"));
  std::string rt_token;
  std::getline(token, rt_token);
  for (const std::string& secret :
       {std::string("Probe01-pass"), std::string("Card-pass1"),
        std::string("probe-user-token-0123456789abcdef"),
        std::string("campus-probe-app-token-0123456789abcdef"), std::string("Ruijie-pass1"),
        std::string("Artemis-secret-2468"), std::string("Dahua-pass1"), rt_token}) {
    CHECK_MESSAGE(seen.find(secret) == std::string::npos, secret);
  }
  CHECK(seen.find("[redacted]") != std::string::npos);
}
