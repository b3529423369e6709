// kill -9 while the agent writes evidence, again and again, on a real evidence directory: every
// record the agent had acknowledged (synced, and so counted in campus_evidence_head_seq) is in
// the log after the kill, each restart continues the chain, and a line torn by the crash is moved
// to a `.torn` file with a `repair` record naming it (docs/evidence-format.md).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "evidence_support.h"
#include "fault_support.h"
#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kKillKey = "0123456789abcdef0123456789abcdef-kill-nine";

// Every whole line (ending in a newline) of every segment of `dir`, parsed.
std::vector<nlohmann::json> whole_records(const std::string& dir) {
  std::vector<std::string> segments;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".jsonl") segments.push_back(e.path().string());
  }
  std::sort(segments.begin(), segments.end());
  std::vector<nlohmann::json> out;
  for (const auto& segment : segments) {
    const std::string text = file_text(segment);
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
      out.push_back(nlohmann::json::parse(text.substr(start, end - start)));
  }
  return out;
}

}  // namespace

TEST_CASE("kill -9 mid-write ten times: nothing acknowledged is lost, torn tails are set aside") {
  TempDir dir;
  const std::string evidence = dir.path() + "/evidence";
  const std::string key = dir.file("evidence.key", kKillKey);
  fs::permissions(key, fs::perms(0600));
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string config = "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                       ", default_interval: 100ms, default_timeout: 100ms}\n"
                       "evidence: {dir: " +
                       evidence + ", key_file: " + key +
                       ", fsync: always}\n"
                       "checks:\n";
  for (int i = 0; i < 16; ++i) {
    config += "  - {id: self-" + std::to_string(i) + ", probe: http, target: \"" + base +
              "/-/healthy\"}\n";
  }
  const std::string config_file = dir.file("campus.yaml", config);

  double acknowledged = -1;
  std::vector<std::string> torn_tails;
  for (int round = 0; round < 10; ++round) {
    CAPTURE(round);
    Process agent({CAMPUS_PROBE_BIN, "run", "--config", config_file},
                  dir.path() + "/agent-" + std::to_string(round) + ".log");
    // Runs are being written when the kill comes: well past where the last round ended.
    REQUIRE_MESSAGE(
        wait_until([&] { return metric(base, "campus_evidence_head_seq") >= acknowledged + 40; }),
        agent.output());
    acknowledged = metric(base, "campus_evidence_head_seq");
    agent.signal(SIGKILL);
    agent.wait(5s);
    const auto records = whole_records(evidence);
    REQUIRE_FALSE(records.empty());
    CHECK(records.back()["seq"].get<double>() >= acknowledged);
    if (round % 3 == 1) {
      // A crash inside write(2) can leave part of a line; make one, as the kill might have.
      const std::string tail = "{\"check\":\"self-1\",\"details\":{\"observed\":{\"respo";
      std::ofstream(last_segment(evidence), std::ios::app | std::ios::binary) << tail;
      torn_tails.push_back(tail);
    }
  }
  {
    Process agent({CAMPUS_PROBE_BIN, "run", "--config", config_file}, dir.path() + "/last.log");
    REQUIRE_MESSAGE(
        wait_until([&] { return metric(base, "campus_evidence_head_seq") >= acknowledged + 20; }),
        agent.output());
    agent.signal(SIGTERM);
    CHECK(agent.wait(10s) == 0);
  }

  // Every torn tail is in a .torn file, byte for byte, and a repair record names it.
  std::string torn_text;
  for (const auto& e : fs::directory_iterator(evidence)) {
    if (e.path().extension() == ".torn") {
      torn_text += file_text(e.path().string());
      CHECK((fs::status(e.path()).permissions() & fs::perms::others_read) == fs::perms::none);
    }
  }
  // (A kill may tear a line by itself too; then its bytes come first in the same repair.)
  std::size_t repairs = 0;
  std::uint64_t repaired_bytes = 0;
  for (const auto& r : whole_records(evidence)) {
    if (r.value("type", "") == "repair" && r.contains("torn_bytes")) {
      repaired_bytes += r["torn_bytes"].get<std::uint64_t>();
      ++repairs;
    }
  }
  CHECK(repairs >= torn_tails.size());
  CHECK(repaired_bytes == torn_text.size());
  std::size_t at = 0;
  for (const auto& t : torn_tails) {
    at = torn_text.find(t, at);
    REQUIRE(at != std::string::npos);
    at += t.size();
  }

  // The chain holds across all restarts, for both verifiers.
  std::string out;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", evidence, "--key", key}, dir,
                   "verify.log", &out) == 0);
  CHECK(out.find("intact:") != std::string::npos);
  CHECK(run_to_end({"/usr/bin/env", "python3", CAMPUS_SOURCE_DIR "/docs/verify_evidence.py",
                    evidence, key},
                   dir, "python.log", &out) == 0);
  CHECK(out.find("intact:") != std::string::npos);
}
