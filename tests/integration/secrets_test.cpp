// Secrets in what the agent shows: a target that reflects the request must not get the Basic
// credential, a session's token or a value a template computed from a secret into the evidence,
// the API, the agent's log or debug output; secret files other users can read are refused; a
// timeout says in which phase the transfer hung.

#include <cstdlib>
#include <signal.h>
#include <string>
#include <sys/stat.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "core/redactor.h"
#include "evidence_support.h"
#include "support.h"

using namespace campus;
using namespace campus::test;
using namespace std::chrono_literals;

namespace {

// The password has '>' and '?', so that its credential's standard and URL-safe base64 differ.
const char* const kReflectPassword = "s3cr3t>>?~";

std::string reflect_url(const std::string& path) {
  return "http://127.0.0.1:" + server("MISBEHAVE_REFLECT_PORT") + path;
}

// Which of the Basic credential's forms, or the password itself, `text` shows, even in part
// (the credential's first 12 characters are base64 of "probe:s3c").
std::string leaked_credential(const std::string& text) {
  std::string leaked;
  for (const auto& form : basic_credential_forms("probe", kReflectPassword)) {
    if (text.find(form.substr(0, 12)) != std::string::npos) leaked += form + " ";
  }
  if (text.find(kReflectPassword) != std::string::npos) leaked += "the password";
  return leaked;
}

std::string one_check_config(const std::string& probe, const std::string& target,
                             const std::string& extra) {
  return "checks:\n  - id: t\n    probe: " + probe + "\n    target: \"" + target + "\"\n" + extra;
}

}  // namespace

TEST_CASE("a target echoing the Basic credential gets it into no evidence, API, log or debug") {
  setenv("CAMPUS_REFLECT_PASS", kReflectPassword, 1);
  TempDir dir;
  // Failing on purpose (body_must_match), so that the runs keep their step logs too.
  const std::string checks =
      "secrets:\n  web: {username: probe, password_env: CAMPUS_REFLECT_PASS}\n"
      "checks:\n  - {id: echo, probe: http, target: \"" +
      reflect_url("/json") +
      "\", params: {auth: {basic: web}, body_must_match: nothing-like-this}}\n";
  EvidenceAgent agent(dir, "default_interval: 1s, default_timeout: 1s", checks);
  REQUIRE_MESSAGE(wait_until([&] {
                    return metric_value(http_request(agent.base + "/metrics").body,
                                        "campus_probe_runs_total{check=\"echo\",result=\"fail\"}")
                               .value_or(0) >= 2;
                  }),
                  agent.process.output());
  // The target did show it: the excerpt holds the reflected header, redacted.
  const std::string evidence = all_evidence(agent.evidence);
  CHECK(evidence.find(R"(\"Authorization\": \"Basic [redacted]\")") != std::string::npos);
  CHECK(leaked_credential(evidence) == "");
  const auto api = http_request(agent.base + "/api/evidence?since=1h");
  CHECK(api.status == 200);
  CHECK(api.body.find("Basic [redacted]") != std::string::npos);
  CHECK(leaked_credential(api.body) == "");
  const auto checks_api = http_request(agent.base + "/api/checks/echo");
  CHECK(leaked_credential(checks_api.body) == "");
  const auto debug = http_request(agent.base + "/probe?check=echo&debug=true");
  CHECK(debug.status == 200);
  CHECK(debug.body.find("Basic [redacted]") != std::string::npos);
  CHECK(leaked_credential(debug.body) == "");
  std::string cli_output;
  CHECK(run_to_end(
            {CAMPUS_PROBE_BIN, "probe", "--config", dir.path() + "/campus.yaml", "echo", "--debug"},
            dir, "probe.log", &cli_output) == 1);
  CHECK(cli_output.find("Basic [redacted]") != std::string::npos);
  CHECK(leaked_credential(cli_output) == "");
  agent.process.signal(SIGTERM);
  CHECK(agent.process.wait(10s) == 0);
  CHECK(leaked_credential(agent.process.output()) == "");
}

TEST_CASE("a value a template computed from a secret is hidden when the target echoes it") {
  // 17 bytes: the base64 of the secret alone is no prefix of the signature's.
  setenv("CAMPUS_REFLECT_KEY", "feed-app-key-3141", 1);
  // Not the secret, nor a base64 of it alone: only the run knows what it computed.
  const std::string signature = base64_encode("feed-app-key-3141:signed");
  const std::string config =
      "secrets:\n  app: {secret_env: CAMPUS_REFLECT_KEY}\n" +
      one_check_config(
          "feed", reflect_url("/text?header=X-Signature"),
          "    params:\n      timestamp: /time\n      window: 1h\n      headers:\n"
          "        X-Signature: \"${base64(concat(secret.app.secret, ':signed'))}\"\n");
  const auto r = run_check(config, "t");
  INFO(r.result.reason);
  CHECK(r.result.kind == FailureKind::bad_content);
  // The echo is the feed's "not JSON" reason; the header's name is there, its value is not.
  CHECK(r.result.reason.find("X-Signature: [redacted]") != std::string::npos);
  CHECK(r.result.reason.find(signature.substr(0, 12)) == std::string::npos);
  REQUIRE(r.log);
  CHECK(r.log->text().find(signature) == std::string::npos);
}

TEST_CASE("a scenario's templated Basic credential, echoed by the target, is not in its excerpt") {
  setenv("CAMPUS_REFLECT_PASS", kReflectPassword, 1);
  const std::string config =
      "secrets:\n  web: {username: probe, password_env: CAMPUS_REFLECT_PASS}\n" +
      one_check_config(
          "scenario", reflect_url("/"),
          "    params:\n      steps:\n        - name: echo\n          url: /json\n"
          "          headers: {Authorization: \"Basic ${base64(concat(secret.web.username, ':', "
          "secret.web.password))}\"}\n"
          "          expect: {body_match: nothing-like-this}\n");
  const auto r = run_check(config, "t");
  INFO(r.result.reason);
  INFO(r.result.evidence.dump());
  CHECK(r.result.kind == FailureKind::bad_content);
  // The excerpt is cut at 200 bytes, which may fall inside the credential: no part of it stays.
  const std::string excerpt = r.result.evidence["steps"][0].value("excerpt", "");
  CHECK(excerpt.find("\"Authorization\": \"") != std::string::npos);
  CHECK(leaked_credential(excerpt) == "");
}

TEST_CASE("check-config refuses a secret file other users can read, naming the file and mode") {
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string pass = dir.file("web.pass", "probepw\n");
  ::chmod(pass.c_str(), 0644);
  const std::string config = dir.file(
      "campus.yaml", "secrets:\n  web: {username: probe, password_file: " + pass +
                         "}\nchecks:\n  - {id: a, probe: http, target: \"http://127.0.0.1:1/\", "
                         "params: {auth: {basic: web}}}\n");
  std::string output;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "check-config", config}, dir, "check.log", &output) == 2);
  CHECK(output.find("secrets.web.password_file: secret file " + pass +
                    " is readable by other users (mode 0644); chmod 600 it") != std::string::npos);
  ::chmod(pass.c_str(), 0600);
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "check-config", config}, dir, "ok.log", &output) == 0);
}

TEST_CASE("a timeout says in which phase the transfer hung") {
  const std::string silent = "127.0.0.1:" + server("MISBEHAVE_SILENT_PORT");
  auto reason_of = [](const std::string& probe, const std::string& target,
                      const std::string& extra) {
    const auto r = run_check(one_check_config(probe, target, "    timeout: 1s\n" + extra), "t");
    CHECK(r.result.kind == FailureKind::timeout);
    return r.result.reason;
  };
  auto has = [](const std::string& reason, const std::string& part) {
    INFO(reason);
    CHECK(reason.find(part) != std::string::npos);
  };
  has(reason_of("http", "http://" + silent + "/", ""),
      "while waiting for the first byte (connected in ");
  // A TLS server that never answers the ClientHello.
  has(reason_of("http", "https://" + silent + "/", ""), "during the TLS handshake");
  // A listener whose accept queue is full: the SYN goes unanswered.
  has(reason_of("http", "http://127.0.0.1:" + server("MISBEHAVE_BACKLOG_PORT") + "/", ""),
      "while connecting");
  has(reason_of("http", "http://127.0.0.1:" + server("MISBEHAVE_DRIP_PORT") + "/", ""),
      "while receiving the response (connected in ");
  has(reason_of("scenario", "http://" + silent + "/",
                "    params:\n      steps:\n        - {name: home, url: /}\n"),
      "step 1 \"home\": timeout after ");
  has(reason_of("feed", "http://" + silent + "/", "    params: {timestamp: /time, window: 1h}\n"),
      "while waiting for the first byte");
  has(reason_of("rtsp", "rtsp://" + silent + "/stream", ""), "OPTIONS: timeout after ");
}
