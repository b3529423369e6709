// The daemon's evidence against real servers: verify accepts it, the independent Python
// verifier agrees, no secret is in it, and a kill -9 in a burst of writes leaves a log that
// verifies after the next start.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "evidence_support.h"
#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string evidence_config(const TempDir& dir, int port, int checks, const std::string& interval,
                            const std::string& fsync) {
  std::string c = "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                  ", default_interval: " + interval + ", default_timeout: " + interval +
                  "}\n"
                  "editions: [higher]\n"
                  "secrets:\n  web: {username: probe, password_env: CAMPUS_EVIDENCE_TEST_PASS}\n"
                  "evidence: {dir: " +
                  dir.path() + "/evidence, key_file: " + dir.path() +
                  "/evidence.key, fsync: " + fsync +
                  "}\n"
                  "checks:\n";
  const std::string base = "http://127.0.0.1:" + server("NGINX_HTTP_PORT");
  for (int i = 0; i < checks; ++i) {
    c += "  - {id: basic-" + std::to_string(i) + ", probe: http, target: \"" + base +
         "/basic/\", params: {auth: {basic: web}}, indicators: [H-3.3.1.1]}\n";
  }
  c += "  - {id: web-500, probe: http, target: \"" + base +
       "/status/500\", indicators: [H-3.5.1.1]}\n";
  return c;
}

std::string write_key(const TempDir& dir) {
  const std::string path =
      dir.file("evidence.key", "8f1c0f6e3a5b47d2a9c1e0b4d7f6a3c28f1c0f6e3a5b47d2\n");
  chmod(path.c_str(), 0600);
  return path;
}

}  // namespace

TEST_CASE("daemon evidence verifies, agrees with the Python verifier and holds no secret") {
  TempDir dir;
  const int port = free_port();
  const std::string key = write_key(dir);
  setenv("CAMPUS_EVIDENCE_TEST_PASS", "probepw", 1);
  const std::string config = dir.file("campus.yaml", evidence_config(dir, port, 3, "1s", "always"));
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", config}, dir.path() + "/agent.log");
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  REQUIRE_MESSAGE(wait_until([&] {
                    return metric_value(http_request(base + "/metrics").body,
                                        "campus_evidence_records_total")
                               .value_or(0) >= 12;
                  }),
                  agent.output());
  // The daemon serves the compliance report from its own evidence.
  const auto report = nlohmann::json::parse(
      http_request(base + "/report?edition=higher&format=json&since=1h").body);
  CHECK(report["indicators"].size() == 61);
  CHECK(report["evidence"]["intact"] == true);
  for (const auto& i : report["indicators"]) {
    if (i["id"] == "H-3.3.1.1") CHECK(i["status"] == "met");
    if (i["id"] == "H-3.5.1.1") CHECK(i["status"] == "failing");
    if (i["id"] == "H-1.1.1.1") CHECK(i["status"] == "unverified");
  }
  const auto records = nlohmann::json::parse(http_request(base + "/api/evidence?since=1h").body);
  CHECK(records.size() >= 12);
  CHECK(records[0]["type"] == "open");
  CHECK(records.back().contains("hash"));
  // Scheduled runs record what they observed.
  const auto http_pass = std::find_if(records.begin(), records.end(), [](const auto& r) {
    return r.value("type", "") == "run" && r.value("probe", "") == "http" &&
           r.value("verdict", "") == "pass";
  });
  REQUIRE(http_pass != records.end());
  CHECK((*http_pass)["details"]["observed"]["response"]["body_sha256"].is_string());
  CHECK_FALSE((*http_pass)["details"].contains("step_log"));  // a pass tells no story
  // A failing scheduled run keeps its step log: in its evidence record, on /api/checks/<id> and
  // on the status page.
  const auto http_fail = std::find_if(records.begin(), records.end(), [](const auto& r) {
    return r.value("type", "") == "run" && r.value("check", "") == "web-500";
  });
  REQUIRE(http_fail != records.end());
  CHECK((*http_fail)["details"].value("step_log", "").find("< HTTP/1.1 500") != std::string::npos);
  const auto detail = nlohmann::json::parse(http_request(base + "/api/checks/web-500").body);
  CHECK(detail["id"] == "web-500");
  REQUIRE(detail["recent_failures"].size() >= 1);
  CHECK(detail["recent_failures"][0]["reason"].get<std::string>().find("500") != std::string::npos);
  CHECK(detail["recent_failures"][0]["step_log"].get<std::string>().find("> GET http://") !=
        std::string::npos);
  CHECK(nlohmann::json::parse(http_request(base + "/api/checks/basic-0").body)["recent_failures"]
            .empty());
  CHECK(http_request(base + "/api/checks/no-such-check").status == 404);
  // The status page shows the latest failures with their step logs, from /api/failures.
  const auto failures = nlohmann::json::parse(http_request(base + "/api/failures").body);
  REQUIRE(failures.size() >= 1);
  CHECK(failures[0]["check"] == "web-500");
  CHECK(failures[0]["step_log"].get<std::string>().find("> GET http://") != std::string::npos);
  const auto html = http_request(base + "/report?edition=secondary");
  CHECK(html.status == 200);
  CHECK(html.body.find("data-id=\"S-4.1.3.1\"") != std::string::npos);
  agent.signal(SIGTERM);
  REQUIRE(agent.wait(10s) == 0);

  // The same report from the command line.
  const std::string evidence = dir.path() + "/evidence";
  std::string report_out;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "report", "--evidence", evidence, "--edition", "higher",
                    "--config", config, "--since", "1h", "--format", "csv"},
                   dir, "report.csv", &report_out) == 0);
  CHECK(std::count(report_out.begin(), report_out.end(), '\n') == 62);
  CHECK(report_out.find("H-3.5.1.1,") != std::string::npos);

  // The HTML report in a real browser: every indicator is on the page with the status the JSON
  // report gives it, and it renders to a screenshot.
  const std::string html_file = dir.path() + "/report.html";
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "report", "--evidence", evidence, "--edition", "higher",
                    "--config", config, "--since", "1h", "-o", html_file},
                   dir, "report-html.log") == 0);
  std::string json_out;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "report", "--evidence", evidence, "--edition", "higher",
                    "--config", config, "--since", "1h", "--format", "json"},
                   dir, "report.json", &json_out) == 0);
  const auto statuses = nlohmann::json::parse(json_out)["indicators"];
  const std::vector<std::string> chromium{"/usr/bin/chromium",
                                          "--headless",
                                          "--no-sandbox",
                                          "--disable-gpu",
                                          "--no-first-run",
                                          "--disable-background-networking",
                                          "--disable-component-update",
                                          "--disable-sync",
                                          "--user-data-dir=" + dir.path() + "/chromium"};
  auto dump = chromium;
  dump.push_back("--dump-dom");
  dump.push_back("file://" + html_file);
  std::string dom;
  run_to_end(dump, dir, "dom.html", &dom);
  CHECK(statuses.size() == 61);
  for (const auto& i : statuses) {
    CHECK_MESSAGE(dom.find("data-id=\"" + i["id"].get<std::string>() + "\" data-status=\"" +
                           i["status"].get<std::string>() + "\"") != std::string::npos,
                  i["id"]);
  }
  auto shot = chromium;
  shot.push_back("--window-size=1000,1400");
  shot.push_back("--screenshot=" + dir.path() + "/report.png");
  shot.push_back("file://" + html_file);
  run_to_end(shot, dir, "screenshot.log");
  CHECK(fs::exists(dir.path() + "/report.png"));
  CHECK(fs::file_size(dir.path() + "/report.png") > 10000);

  std::string out;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", evidence, "--key", key}, dir,
                   "verify.log", &out) == 0);
  CHECK(out.find("intact: 1 segment(s)") != std::string::npos);
  CHECK(out.find("every MAC verified") != std::string::npos);
  CHECK(run_to_end({"/usr/bin/env", "python3", CAMPUS_SOURCE_DIR "/docs/verify_evidence.py",
                    evidence, key},
                   dir, "python.log", &out) == 0);
  CHECK(out.find("intact:") != std::string::npos);

  const std::string text = all_evidence(evidence);
  CHECK(text.find("\"verdict\":\"pass\"") != std::string::npos);
  CHECK(text.find("\"reason\":\"expected status 2xx, got 500\"") != std::string::npos);
  CHECK(text.find("probepw") == std::string::npos);
  CHECK(text.find("cHJvYmU6cHJvYmVwdw") == std::string::npos);  // base64 of probe:probepw

  // One changed byte, and both verifiers say so.
  std::string segment;  // the only one (beside the head file)
  for (const auto& entry : fs::directory_iterator(evidence)) {
    if (entry.path().extension() == ".jsonl") segment = entry.path().string();
  }
  std::string content = all_evidence(evidence);
  content.replace(content.find("got 500"), 7, "got 200");
  std::ofstream(segment, std::ios::trunc) << content;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", evidence, "--key", key}, dir,
                   "verify2.log", &out) == 1);
  CHECK(out.find("hash mismatch — record altered") != std::string::npos);
  CHECK(run_to_end({"/usr/bin/env", "python3", CAMPUS_SOURCE_DIR "/docs/verify_evidence.py",
                    evidence, key},
                   dir, "python2.log") != 0);
}

TEST_CASE("kill -9 during a burst of evidence writes leaves a log that verifies after restart") {
  TempDir dir;
  const int port = free_port();
  const std::string key = write_key(dir);
  setenv("CAMPUS_EVIDENCE_TEST_PASS", "probepw", 1);
  const std::string config =
      dir.file("campus.yaml", evidence_config(dir, port, 60, "200ms", "never"));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  {
    Process agent({CAMPUS_PROBE_BIN, "run", "--config", config}, dir.path() + "/agent1.log");
    REQUIRE(wait_until(
        [&] {
          return metric_value(http_request(base + "/metrics").body, "campus_evidence_records_total")
                     .value_or(0) >= 300;
        },
        20s));
    agent.signal(SIGKILL);
    agent.wait(5s);
  }
  {
    Process agent({CAMPUS_PROBE_BIN, "run", "--config", config}, dir.path() + "/agent2.log");
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                          return metric_value(http_request(base + "/metrics").body,
                                              "campus_evidence_records_total")
                                     .value_or(0) >= 60;
                        },
                        20s),
                    agent.output());
    agent.signal(SIGTERM);
    CHECK(agent.wait(10s) == 0);
  }
  std::string out;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", dir.path() + "/evidence", "--key", key},
                   dir, "verify.log", &out) == 0);
  CHECK(out.find("intact") != std::string::npos);
}

TEST_CASE("signed evidence: a forged record and a chain re-signed with another key are caught") {
  TempDir dir;
  const int port = free_port();
  const std::string key_file = dir.path() + "/signing.key";
  std::string out;
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "evidence", "keygen", key_file}, dir, "keygen.log", &out) ==
          0);
  CHECK((fs::status(key_file).permissions() & fs::perms::others_read) == fs::perms::none);
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "keygen", key_file}, dir, "again.log", &out) ==
        2);  // a key is never overwritten
  const std::string evidence = dir.path() + "/evidence";
  const std::string config =
      dir.file("campus.yaml", "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                                  ", default_interval: 200ms, default_timeout: 200ms}\n"
                                  "evidence: {dir: " +
                                  evidence + ", signing_key_file: " + key_file +
                                  ", checkpoint_records: 5}\n"
                                  "checks:\n  - {id: web, probe: tcp, target: \"127.0.0.1:" +
                                  server("NGINX_HTTP_PORT") + "\"}\n");
  {
    Process agent({CAMPUS_PROBE_BIN, "run", "--config", config}, dir.path() + "/agent.log");
    REQUIRE_MESSAGE(wait_until([&] {
                      if (!fs::exists(evidence)) return false;
                      const std::string text = all_evidence(evidence);
                      return text.find("\"type\":\"checkpoint\"") != std::string::npos &&
                             std::count(text.begin(), text.end(), '\n') >= 14;
                    }),
                    agent.output());
    agent.signal(SIGTERM);
    REQUIRE(agent.wait(10s) == 0);
  }
  const std::string pub = key_file + ".pub";
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", evidence, "--pubkey", pub}, dir,
                     "verify.log", &out) == 0);
  CHECK(out.find("signature(s) verified") != std::string::npos);
  CHECK(out.find("nothing after it") != std::string::npos);  // the closing checkpoint
  CHECK(run_to_end({"/usr/bin/env", "python3", CAMPUS_SOURCE_DIR "/docs/verify_evidence.py",
                    evidence, "--pubkey", pub},
                   dir, "python.log", &out) == 0);
  CHECK(out.find("signed up to seq") != std::string::npos);

  // An attacker changes a verdict and recomputes every hash after it (there is no HMAC key), and
  // then also signs the new chain with a key of their own.
  const std::string rewrite = CAMPUS_SOURCE_DIR "/tests/integration/rewrite_evidence.py";
  const std::string forged = dir.path() + "/forged";
  fs::copy(evidence, forged);
  REQUIRE(run_to_end({"/usr/bin/env", "python3", rewrite, forged}, dir, "rewrite.log") == 0);
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", forged}, dir, "plain.log", &out) == 0);
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", forged, "--pubkey", pub}, dir,
                   "forged.log", &out) == 1);
  CHECK(out.find("signature does not verify with the public key — the chain up to here was "
                 "rewritten") != std::string::npos);
  CHECK(run_to_end({"/usr/bin/env", "python3", CAMPUS_SOURCE_DIR "/docs/verify_evidence.py", forged,
                    "--pubkey", pub},
                   dir, "python-forged.log") != 0);

  const std::string other_key = dir.path() + "/other.key";
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "evidence", "keygen", other_key}, dir, "other.log") == 0);
  const std::string resigned = dir.path() + "/resigned";
  fs::copy(evidence, resigned);
  REQUIRE(run_to_end({"/usr/bin/env", "python3", rewrite, resigned, "--sign", other_key}, dir,
                     "resign.log") == 0);
  CHECK(
      run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", resigned, "--pubkey", other_key + ".pub"},
                 dir, "theirs.log", &out) == 0);  // consistent in itself...
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", resigned, "--pubkey", pub}, dir,
                   "ours.log", &out) == 1);  // ...but not signed by the agent's key
  CHECK(out.find("signature does not verify") != std::string::npos);
  CHECK(run_to_end({"/usr/bin/env", "python3", CAMPUS_SOURCE_DIR "/docs/verify_evidence.py",
                    resigned, "--pubkey", pub},
                   dir, "python-resigned.log") != 0);
}

TEST_CASE("a waiver is written to the evidence, shown by the API and the report as waived") {
  TempDir dir;
  EvidenceAgent agent(dir, "default_interval: 200ms, default_timeout: 200ms",
                      "waivers:\n  - {indicator: H-2.1.2.1, reason: 方案待审议, owner: 教务处 "
                      "王老师, until: \"2099-03-01\"}\n"
                      "checks:\n  - {id: web, probe: tcp, target: \"127.0.0.1:" +
                          server("NGINX_HTTP_PORT") + "\", indicators: [H-2.1.2.1]}\n");
  const std::string& base = agent.base;
  const std::string& evidence = agent.evidence;
  REQUIRE_MESSAGE(wait_until([&] {
                    return metric_value(http_request(base + "/metrics").body,
                                        "campus_probe_runs_total{check=\"web\",result=\"pass\"}")
                               .value_or(0) >= 2;
                  }),
                  agent.process.output());
  const auto indicators = nlohmann::json::parse(http_request(base + "/api/indicators").body);
  bool seen = false;
  for (const auto& i : indicators) {
    if (i["id"] != "H-2.1.2.1") continue;
    seen = true;
    CHECK(i["status"] == "waived");  // the check passes, but the indicator is waived
    CHECK(i["waiver"]["owner"] == "教务处 王老师");
  }
  CHECK(seen);
  agent.process.signal(SIGTERM);
  REQUIRE(agent.process.wait(10s) == 0);
  CHECK(all_evidence(evidence).find("\"type\":\"waiver\"") != std::string::npos);
  std::string out;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "report", "--evidence", evidence, "--edition", "higher",
                    "--since", "1d", "--format", "json"},
                   dir, "report.log", &out) == 0);
  const auto report = nlohmann::json::parse(out.substr(out.find('{')));
  CHECK(report["summary"]["waived"] == 1);
  CHECK(report["waivers"][0]["indicator"] == "H-2.1.2.1");
}

TEST_CASE("a run cut short by the shutdown is no verdict: not in the evidence, not a failure") {
  TempDir dir;
  // The target never answers and the timeout is long: the run is still going when SIGTERM comes,
  // and the grace period is shorter than the timeout.
  EvidenceAgent agent(dir, "shutdown_grace: 500ms, default_interval: 5s, default_timeout: 5s",
                      "checks:\n  - {id: hanging, probe: http, target: \"http://127.0.0.1:" +
                          server("MISBEHAVE_SILENT_PORT") + "/\", indicators: [H-3.3.1.1]}\n");
  const std::string& base = agent.base;
  const std::string& evidence = agent.evidence;
  REQUIRE_MESSAGE(wait_until([&] {
                    const auto checks = http_request(base + "/api/checks");
                    return checks.status == 200;
                  }),
                  agent.process.output());
  // The first run starts within the interval (spread by the check's id); the scheduler's lag
  // histogram has a sample once it has.
  REQUIRE(wait_until(
      [&] {
        return metric_value(http_request(base + "/metrics").body,
                            "campus_scheduler_lag_seconds_count")
                   .value_or(0) >= 1;
      },
      std::chrono::seconds(15)));
  agent.process.signal(SIGTERM);
  REQUIRE(agent.process.wait(10s) == 0);
  CHECK(agent.process.output().find("run cancelled by the shutdown; not recorded") !=
        std::string::npos);
  const std::string text = all_evidence(evidence);
  CHECK(text.find("\"type\":\"run\"") == std::string::npos);
  CHECK(text.find("cancelled") == std::string::npos);
}
