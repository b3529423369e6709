// Maintenance declared while the agent runs (POST /api/maintenance): failures of the checks it
// covers are recorded but leave their indicators met; ending it early (DELETE) makes them count
// again; the windows go into the evidence and the report lists them.

#include <filesystem>
#include <signal.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "evidence_support.h"
#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;

namespace {

std::string status_of(const std::string& base, const std::string& id) {
  const auto all = nlohmann::json::parse(http_request(base + "/api/indicators").body, nullptr,
                                         false);  // no agent yet: not valid JSON
  for (const auto& i : all.is_array() ? all : nlohmann::json::array()) {
    if (i["id"] == id) return i["status"];
  }
  return "";
}

}  // namespace

TEST_CASE("a maintenance window declared through the API keeps failures from counting") {
  TempDir dir;
  const std::string flag = dir.file("opac-up", "");
  // The "OPAC" is up while the flag file exists.
  EvidenceAgent agent(dir, "default_interval: 200ms, default_timeout: 200ms",
                      "editions: [higher]\nchecks:\n  - id: opac\n    probe: exec\n"
                      "    target: local\n    params: {command: /usr/bin/test, args: [\"-f\", \"" +
                          flag +
                          "\"], warning_is: fail}\n    labels: {system: library}\n"
                          "    indicators: [H-2.2.2.4]\n");
  const std::string& base = agent.base;
  REQUIRE_MESSAGE(wait_until([&] { return status_of(base, "H-2.2.2.4") == "met"; }),
                  agent.process.output());

  // Refused: no reason, an unknown check, a window that never ends.
  auto reply = http_request(base + "/api/maintenance", "POST", 10s,
                            R"({"name": "x", "duration": "10m", "systems": ["library"]})");
  CHECK(reply.status == 400);
  CHECK(reply.body.find("reason: required") != std::string::npos);
  reply = http_request(base + "/api/maintenance", "POST", 10s,
                       R"({"name": "x", "reason": "r", "duration": "10m", "checks": ["nope"]})");
  CHECK(reply.status == 400);
  CHECK(reply.body.find("checks: unknown check 'nope'") != std::string::npos);
  reply =
      http_request(base + "/api/maintenance", "POST", 10s,
                   R"({"name": "x", "reason": "r", "duration": "30d", "systems": ["library"]})");
  CHECK(reply.status == 400);
  CHECK(reply.body.find("at most 7 days") != std::string::npos);

  reply = http_request(base + "/api/maintenance", "POST", 10s,
                       R"json({"name": "opac-reboot", "reason": "图书馆服务器重启 (工单 2026-118)",
                               "duration": "10m", "systems": ["library"]})json");
  REQUIRE(reply.status == 201);
  auto windows = nlohmann::json::parse(http_request(base + "/api/maintenance").body);
  REQUIRE(windows.size() == 1);
  CHECK(windows[0]["source"] == "api");
  CHECK(windows[0]["active"] == true);

  // The OPAC goes down inside the window: its runs fail, the indicator stays met.
  std::filesystem::remove(flag);
  const std::string failed = "campus_probe_runs_total{check=\"opac\",result=\"fail\"}";
  REQUIRE(wait_until([&] { return metric(base, failed) >= 4; }));
  CHECK(status_of(base, "H-2.2.2.4") == "met");

  // Ended early: the next failure counts.
  CHECK(http_request(base + "/api/maintenance/no-such", "DELETE").status == 404);
  CHECK(http_request(base + "/api/maintenance/opac-reboot", "DELETE").status == 200);
  CHECK(nlohmann::json::parse(http_request(base + "/api/maintenance").body).empty());
  CHECK(wait_until([&] { return status_of(base, "H-2.2.2.4") == "failing"; }));

  const auto report = nlohmann::json::parse(
      http_request(base + "/report?edition=higher&format=json&since=1h").body);
  REQUIRE(report["maintenance"].size() == 1);
  CHECK(report["maintenance"][0]["name"] == "opac-reboot");
  CHECK(report["maintenance"][0]["failures_not_counted"].get<int>() >= 4);
  for (const auto& i : report["indicators"]) {
    if (i["id"] == "H-2.2.2.4") {
      CHECK(i["basis"]["maintenance_failures_not_counted"].get<int>() >= 4);
    }
  }
  agent.process.signal(SIGTERM);
  REQUIRE(agent.process.wait(10s) == 0);
  const std::string evidence = all_evidence(agent.evidence);
  CHECK(evidence.find("\"source\":\"api\"") != std::string::npos);
  CHECK(evidence.find("\"type\":\"maintenance\"") != std::string::npos);
}
