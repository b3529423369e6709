// Trusted timestamps (RFC 3161) against a real time-stamping authority (`openssl ts -reply`,
// tests/servers/tsa.py): the agent stamps its signed checkpoints without holding up probing,
// rides out the authority being down, and `evidence verify --pubkey --tsa-ca` (and the Python
// verifier) catch a forged record, a chain rewritten and re-signed with another key, one
// re-signed with the agent's own key whose timestamps no longer match, and one time-stamped
// again after the rewrite.

#include <filesystem>
#include <signal.h>
#include <thread>

#include <doctest/doctest.h>

#include "evidence_support.h"
#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

void tsa_down(bool down) {
  http_request("http://127.0.0.1:" + server("TSA_PORT") + "/__control?down=" + (down ? "1" : "0"),
               "POST");
}

}  // namespace

TEST_CASE("the agent time-stamps its checkpoints, and verify catches every rewrite of the chain") {
  TempDir dir;
  const std::string key = dir.path() + "/signing.key";
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "evidence", "keygen", key}, dir, "keygen.log") == 0);
  const std::string tsa = "http://127.0.0.1:" + server("TSA_PORT") + "/";
  const std::string ca = server("TSA_CA");
  tsa_down(false);
  EvidenceAgent agent(
      dir, "default_interval: 200ms, default_timeout: 200ms",
      "checks:\n  - {id: web, probe: tcp, target: \"127.0.0.1:" + server("NGINX_HTTP_PORT") +
          "\", indicators: [H-3.3.1.1]}\n",
      "signing_key_file: " + key + ", checkpoint_interval: 300ms, timestamp_url: \"" + tsa + "\"");
  const std::string& base = agent.base;
  const std::string granted = "campus_evidence_timestamps_total{result=\"granted\"}";
  REQUIRE_MESSAGE(wait_until([&] { return metric(base, granted) >= 2; }), agent.process.output());

  // The authority goes down: checkpoints wait for their token, the metrics say so, probing goes
  // on; when it is back, the newest checkpoint is stamped.
  tsa_down(true);
  CHECK(wait_until([&] {
    return metric(base, "campus_evidence_timestamp_pending") == 1 &&
           metric(base, "campus_evidence_timestamps_total{result=\"failed\"}") >= 1;
  }));
  const double runs = metric(base, "campus_probe_runs_total{check=\"web\",result=\"pass\"}");
  std::this_thread::sleep_for(1s);
  CHECK(metric(base, "campus_probe_runs_total{check=\"web\",result=\"pass\"}") >= runs + 3);
  const double before = metric(base, granted);
  tsa_down(false);
  CHECK(wait_until([&] { return metric(base, granted) > before; }, 20s));
  CHECK(wait_until([&] { return metric(base, "campus_evidence_timestamp_pending") == 0; }, 10s));
  agent.process.signal(SIGTERM);
  REQUIRE(agent.process.wait(10s) == 0);

  const std::string& evidence = agent.evidence;
  const std::string pub = key + ".pub";
  const std::string python = CAMPUS_SOURCE_DIR "/docs/verify_evidence.py";
  const std::string rewrite = CAMPUS_SOURCE_DIR "/tests/integration/rewrite_evidence.py";
  std::string out;
  const auto verify = [&](const std::string& d, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {CAMPUS_PROBE_BIN, "evidence", "verify",   d,
                                     "--pubkey",       pub,        "--tsa-ca", ca};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_to_end(argv, dir, "verify.log", &out);
  };
  const auto python_verify = [&](const std::string& d) {
    return run_to_end({"/usr/bin/env", "python3", python, d, "--pubkey", pub, "--tsa-ca", ca}, dir,
                      "python.log");
  };
  REQUIRE(verify(evidence) == 0);
  CHECK(out.find("trusted timestamp(s) match their checkpoints and verify with the TSA's CA") !=
        std::string::npos);
  CHECK(python_verify(evidence) == 0);  // the Python verifier agrees
  // Another CA's certificates do not make the tokens trusted.
  CHECK(
      run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", evidence, "--tsa-ca", server("TEST_CA")},
                 dir, "other-ca.log", &out) == 1);
  CHECK(out.find("the TSA's signature does not verify with the trusted CA") != std::string::npos);

  // 1. A forged record: one verdict changed in place.
  const std::string forged = dir.path() + "/forged";
  fs::copy(evidence, forged);
  {
    fs::path segment;  // the only one (beside the head file)
    for (const auto& entry : fs::directory_iterator(forged)) {
      if (entry.path().extension() == ".jsonl") segment = entry.path();
    }
    std::string text = all_evidence(forged);
    const auto at = text.find("\"verdict\":\"pass\"");
    REQUIRE(at != std::string::npos);
    text.replace(at, 16, "\"verdict\":\"fail\"");
    dir.file("forged/" + segment.filename().string(), text);
  }
  CHECK(verify(forged) == 1);
  CHECK(out.find("hash mismatch — record altered") != std::string::npos);
  CHECK(python_verify(forged) != 0);

  // 2. The chain rewritten and re-signed with another key.
  const std::string other = dir.path() + "/other.key";
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "evidence", "keygen", other}, dir, "other.log") == 0);
  const std::string resigned = dir.path() + "/resigned";
  fs::copy(evidence, resigned);
  REQUIRE(run_to_end({"/usr/bin/env", "python3", rewrite, resigned, "--sign", other}, dir,
                     "resign.log") == 0);
  CHECK(verify(resigned) == 1);
  CHECK(out.find("signature does not verify with the public key") != std::string::npos);
  CHECK(python_verify(resigned) != 0);

  // 3. Rewritten by someone holding the agent's own key: every signature verifies, but the
  // timestamps taken before the rewrite no longer match the chain.
  const std::string insider = dir.path() + "/insider";
  fs::copy(evidence, insider);
  REQUIRE(run_to_end({"/usr/bin/env", "python3", rewrite, insider, "--sign", key}, dir,
                     "insider.log") == 0);
  CHECK(verify(insider) == 1);
  CHECK(out.find("was taken over another hash than the log's record at that seq — the chain up "
                 "to it was rewritten after it was time-stamped") != std::string::npos);
  CHECK(out.find("(seq ") != std::string::npos);  // names the first broken place
  CHECK(python_verify(insider) != 0);

  // 4. ... and time-stamped again after the rewrite: the new tokens are dated long after the
  // checkpoints they claim to stamp (here "long" is a second, for the test's sake).
  std::this_thread::sleep_for(2s);
  const std::string restamped = dir.path() + "/restamped";
  fs::copy(evidence, restamped);
  REQUIRE(
      run_to_end({"/usr/bin/env", "python3", rewrite, restamped, "--sign", key, "--restamp", tsa},
                 dir, "restamp.log") == 0);
  CHECK(verify(restamped, {"--max-timestamp-delay", "1s"}) == 1);
  CHECK(out.find("long after the checkpoint") != std::string::npos);
}
