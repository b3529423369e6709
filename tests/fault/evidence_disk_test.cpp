// The evidence log on a full disk, for real: a 256 KiB tmpfs filled by a file or by the agent's
// own writes. Flush and shutdown end in bounded time, the counters match the files, a cut line
// is cut off again, what was dropped is said in a gap record, and a torn line is never lost.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/logger.h"
#include "evidence/evidence_log.h"
#include "evidence/verify.h"
#include "evidence_support.h"
#include "fault_support.h"
#include "support.h"

using namespace campus;
using namespace campus::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kDiskKey = "0123456789abcdef0123456789abcdef-fault-key";

// The log's own lines, kept to count what it said.
struct CapturedLog {
  std::mutex mutex;
  std::vector<std::string> lines;
  Logger logger{LogLevel::info, LogFormat::text, [this](std::string_view line) {
                  std::lock_guard lock(mutex);
                  lines.emplace_back(line);
                }};
  std::size_t count(const std::string& text) {
    std::lock_guard lock(mutex);
    return std::size_t(std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find(text) != std::string::npos;
    }));
  }
};

std::vector<nlohmann::json> records_of_type(const std::string& dir, const std::string& type) {
  std::vector<nlohmann::json> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".jsonl") continue;
    std::istringstream in(file_text(e.path().string()));
    for (std::string line; std::getline(in, line);) {
      const auto r = nlohmann::json::parse(line, nullptr, false);
      if (r.is_object() && r.value("type", "") == type) out.push_back(r);
    }
  }
  return out;
}

nlohmann::json run_record(int i) {
  return {{"type", "run"},
          {"check", "c" + std::to_string(i % 5)},
          {"verdict", "pass"},
          {"reason", std::string(400, 'x') + std::to_string(i)}};
}

#define REQUIRE_TMPFS(disk)                                                                   \
  if (!(disk).mounted) {                                                                      \
    MESSAGE("skipped: cannot mount a tmpfs (" << (disk).why << "); these tests run as root"); \
    return;                                                                                   \
  }

}  // namespace

TEST_CASE("a full evidence disk: flush gives up in time, counters match, drops are said") {
  TempDir dir;
  Tmpfs disk(dir.path() + "/disk", "256k");
  REQUIRE_TMPFS(disk);
  prometheus::Registry registry;
  CapturedLog log;
  EvidenceLog::Options options;
  options.dir = disk.path + "/evidence";
  options.key = kDiskKey;
  options.fsync = FsyncPolicy::always;
  options.backlog_max_bytes = 64 << 10;
  options.retry_interval = 50ms;
  auto evidence = std::make_unique<EvidenceLog>(options, registry, log.logger);
  for (int i = 0; i < 20; ++i)
    evidence->append(run_record(i));
  REQUIRE(evidence->flush(5s));
  const std::string filler = disk.path + "/filler";
  REQUIRE(fill_disk(filler) > 0);

  const auto start = std::chrono::steady_clock::now();
  int accepted = 0;
  for (int i = 20; i < 320; ++i)
    accepted += evidence->append(run_record(i)) ? 1 : 0;
  CHECK_FALSE(evidence->flush(1s));  // the disk takes nothing: bounded, not for ever
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK(accepted < 300);  // the backlog is bounded
  CHECK(evidence->pending() > 0);
  const double dropped = registry_metric(registry, "campus_evidence_dropped_total");
  CHECK(dropped == 300 - accepted);
  CHECK(registry_metric(registry, "campus_evidence_write_errors_total") > 0);
  // The counters say what the files hold, and no torn line is left at the end.
  CHECK(registry_metric(registry, "campus_evidence_records_total") ==
        double(evidence_lines(options.dir)));
  const std::string segment = last_segment(options.dir);
  const std::string text = file_text(segment);
  CHECK(registry_metric(registry, "campus_evidence_segment_bytes") == double(text.size()));
  CHECK((text.empty() || text.back() == '\n'));
  CHECK(log.count("backlog full") == 1);  // once per episode, not once per record

  fs::remove(filler);  // the disk takes writes again
  REQUIRE(evidence->flush(10s));
  REQUIRE(wait_until([&] { return !records_of_type(options.dir, "gap").empty(); }, 5s));
  // One gap record, or two when the writer took the first drops before the disk refused its
  // batch: together they say every dropped record.
  const auto gaps = records_of_type(options.dir, "gap");
  REQUIRE(!gaps.empty());
  CHECK(gaps.size() <= 2);
  std::uint64_t said = 0;
  for (const auto& gap : gaps) {
    CHECK(gap["reason"] == "records dropped");
    CHECK(gap["from"].get<std::string>() <= gap["to"].get<std::string>());
    said += gap["dropped"].get<std::uint64_t>();
  }
  CHECK(said == std::uint64_t(dropped));
  CHECK(registry_metric(registry, "campus_evidence_records_total") ==
        double(evidence_lines(options.dir)));
  CHECK(registry_metric(registry, "campus_evidence_segment_bytes") ==
        double(fs::file_size(last_segment(options.dir))));
  CHECK(registry_metric(registry, "campus_evidence_head_seq") ==
        double(evidence_lines(options.dir) - 1));
  evidence.reset();
  const auto v = verify_evidence(options.dir, kDiskKey);
  INFO(v.summary());
  CHECK(v.intact);
  CHECK(v.dropped == std::uint64_t(dropped));
  CHECK(v.summary().find(std::to_string(std::uint64_t(dropped)) + " record(s) dropped in ") !=
        std::string::npos);
  CHECK(v.runs == 20 + std::uint64_t(accepted));
}

TEST_CASE("records that could not be written before a stop are said on the next start") {
  TempDir dir;
  Tmpfs disk(dir.path() + "/disk", "256k");
  REQUIRE_TMPFS(disk);
  CapturedLog log;
  EvidenceLog::Options options;
  options.dir = disk.path + "/evidence";
  options.key = kDiskKey;
  options.fsync = FsyncPolicy::always;
  options.retry_interval = 50ms;
  const std::string filler = disk.path + "/filler";
  std::uint64_t waiting = 0;  // the last page of the segment may still take a few
  {
    prometheus::Registry registry;
    EvidenceLog evidence(options, registry, log.logger);
    evidence.append(run_record(0));
    REQUIRE(evidence.flush(5s));
    REQUIRE(fill_disk(filler) > 0);
    for (int i = 1; i <= 10; ++i)
      evidence.append(run_record(i));
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(evidence.flush(300ms));
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    waiting = evidence.pending();
    CHECK(waiting > 0);
  }  // stops with them unwritten
  CHECK(log.count(std::to_string(waiting) + " record(s) could not be written and are lost") == 1);
  const auto head = read_evidence_head(options.dir);
  REQUIRE(head);
  CHECK(head->lost == waiting);
  CHECK(head->lost_from <= head->lost_to);
  fs::remove(filler);
  {
    prometheus::Registry registry;
    EvidenceLog evidence(options, registry, log.logger);
    REQUIRE(evidence.flush(5s));
  }
  const auto gaps = records_of_type(options.dir, "gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]["dropped"] == waiting);
  CHECK(gaps[0]["from"] == head->lost_from);
  CHECK(read_evidence_head(options.dir)->lost == 0);  // said once
  const auto v = verify_evidence(options.dir, kDiskKey);
  INFO(v.summary());
  CHECK(v.intact);
  CHECK(v.dropped == waiting);
  CHECK(v.runs == 11 - waiting);
}

TEST_CASE("a torn line on a full disk is never lost: the agent refuses to start instead") {
  TempDir dir;
  Tmpfs disk(dir.path() + "/disk", "256k");
  REQUIRE_TMPFS(disk);
  prometheus::Registry registry;
  CapturedLog log;
  EvidenceLog::Options options;
  options.dir = disk.path + "/evidence";
  options.key = kDiskKey;
  options.fsync = FsyncPolicy::always;
  {
    EvidenceLog evidence(options, registry, log.logger);
    for (int i = 0; i < 5; ++i)
      evidence.append(run_record(i));
    REQUIRE(evidence.flush(5s));
  }
  const std::string segment = last_segment(options.dir);
  const std::string torn = R"({"type":"run","check":"cut-off",)" + std::string(823, 'y');
  REQUIRE(torn.size() == 855);
  { std::ofstream(segment, std::ios::app | std::ios::binary) << torn; }
  const auto size_with_torn = fs::file_size(segment);
  const std::string filler = disk.path + "/filler";
  REQUIRE(fill_disk(filler) > 0);

  prometheus::Registry registry2;
  CHECK_THROWS_WITH_AS(EvidenceLog(options, registry2, log.logger),
                       doctest::Contains("not starting, so that no byte of the evidence is lost"),
                       EvidenceError);
  CHECK(fs::file_size(segment) == size_with_torn);  // the bytes are still where they were
  CHECK((!fs::exists(segment + ".torn") || fs::file_size(segment + ".torn") == 0));

  fs::remove(filler);
  prometheus::Registry registry3;
  {
    EvidenceLog evidence(options, registry3, log.logger);
    evidence.append(run_record(5));
    REQUIRE(evidence.flush(5s));
  }
  CHECK(file_text(segment + ".torn") == torn);
  const auto repairs = records_of_type(options.dir, "repair");
  REQUIRE(repairs.size() == 1);
  CHECK(repairs[0]["torn_bytes"] == 855);
  for (const std::string& file : {segment, segment + ".torn", options.dir + "/head"}) {
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    INFO(file);
    CHECK((st.st_mode & 0777) == 0640);
  }
  const auto v = verify_evidence(options.dir, kDiskKey);
  INFO(v.summary());
  CHECK(v.intact);
  CHECK(v.runs == 6);
}

TEST_CASE("the agent on a full evidence disk: quick answers, true counters, bounded shutdown") {
  TempDir dir;
  const std::string evidence_dir = dir.path() + "/evidence";
  Tmpfs disk(evidence_dir, "256k");
  REQUIRE_TMPFS(disk);
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string config = "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                       ", default_interval: 1s, default_timeout: 1s, shutdown_grace: 3s}\n"
                       "editions: [higher]\n"
                       "evidence: {dir: " +
                       evidence_dir +
                       ", fsync: always}\n"
                       "checks:\n";
  for (int i = 0; i < 8; ++i) {
    config += "  - {id: self-" + std::to_string(i) + ", probe: http, target: \"" + base +
              "/-/healthy\", indicators: [H-3.3.1.1]}\n";
  }
  const std::string config_file = dir.file("campus.yaml", config);
  const std::string filler = evidence_dir + "/filler";
  {
    Process agent({CAMPUS_PROBE_BIN, "run", "--config", config_file}, dir.path() + "/agent.log");
    REQUIRE_MESSAGE(wait_until([&] { return metric(base, "campus_evidence_records_total") >= 10; }),
                    agent.output());
    REQUIRE(fill_disk(filler) > 0);
    REQUIRE_MESSAGE(
        wait_until([&] { return metric(base, "campus_evidence_write_errors_total") > 0; }),
        agent.output());
    // Answers from what is on disk, quickly, while records wait.
    const auto reply = http_request(base + "/api/evidence?since=1h", "GET", 10s);
    CHECK(reply.status == 200);
    CHECK(reply.seconds < 2.0);
    const auto report = http_request(base + "/report?edition=higher&format=json", "GET", 10s);
    CHECK(report.status == 200);
    CHECK(report.seconds < 2.0);
    // The counters match the files while the disk refuses writes.
    const std::string metrics = http_request(base + "/metrics").body;
    CHECK(metric_value(metrics, "campus_evidence_records_total").value_or(-1) ==
          double(evidence_lines(evidence_dir)));
    CHECK(metric_value(metrics, "campus_evidence_segment_bytes").value_or(-1) ==
          double(fs::file_size(last_segment(evidence_dir))));
    CHECK(file_text(last_segment(evidence_dir)).back() == '\n');
    // Stopping with records that cannot be written: within the grace period, plus a second.
    const auto stop = std::chrono::steady_clock::now();
    agent.signal(SIGTERM);
    CHECK(agent.wait(10s) == 0);
    CHECK(std::chrono::steady_clock::now() - stop < 4s);
    CHECK(agent.output().find("could not be written and are lost") != std::string::npos);
  }
  // With space again the agent starts, continues the log, and the log verifies.
  fs::remove(filler);
  {
    Process agent({CAMPUS_PROBE_BIN, "run", "--config", config_file}, dir.path() + "/agent2.log");
    REQUIRE_MESSAGE(wait_until([&] { return metric(base, "campus_evidence_records_total") >= 8; }),
                    agent.output());
    agent.signal(SIGTERM);
    CHECK(agent.wait(10s) == 0);
  }
  // What the first agent could not write before it stopped is said in the evidence.
  const auto gaps = records_of_type(evidence_dir, "gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]["reason"] == "records dropped");
  CHECK(gaps[0]["dropped"].get<std::uint64_t>() > 0);
  std::string out;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", evidence_dir}, dir, "verify.log",
                   &out) == 0);
  CHECK(out.find("intact:") != std::string::npos);
  CHECK(out.find("record(s) dropped in 1 gap(s)") != std::string::npos);
  CHECK(out.find("head: seq ") != std::string::npos);
}

TEST_CASE("evidence.backlog_max_records bounds what waits for a full disk in the agent") {
  TempDir dir;
  const std::string evidence_dir = dir.path() + "/evidence";
  Tmpfs disk(evidence_dir, "256k");
  REQUIRE_TMPFS(disk);
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string config = "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                       ", default_interval: 200ms, default_timeout: 200ms, shutdown_grace: 1s}\n"
                       "evidence: {dir: " +
                       evidence_dir +
                       ", fsync: always, backlog_max_records: 16, backlog_max_bytes: 1MiB}\n"
                       "checks:\n";
  for (int i = 0; i < 8; ++i) {
    config += "  - {id: self-" + std::to_string(i) + ", probe: http, target: \"" + base +
              "/-/healthy\"}\n";
  }
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", dir.file("campus.yaml", config)},
                dir.path() + "/agent.log");
  REQUIRE_MESSAGE(wait_until([&] { return metric(base, "campus_evidence_records_total") >= 8; }),
                  agent.output());
  REQUIRE(fill_disk(evidence_dir + "/filler") > 0);
  // 40 records a second against a backlog of 16: drops within a second or two.
  REQUIRE_MESSAGE(wait_until([&] { return metric(base, "campus_evidence_dropped_total") > 0; }),
                  agent.output());
  // With the default bound (65536 records, 16 MiB) nothing would be dropped for minutes.
  const std::string log = agent.output();
  const auto said = log.find("evidence: backlog full (");
  REQUIRE(said != std::string::npos);
  const std::string waiting = log.substr(said + 24, log.find(')', said) - said - 24);
  INFO(waiting);
  CHECK(std::stoul(waiting) <= 16);  // "N records, B bytes waiting"
  CHECK(std::stoul(waiting.substr(waiting.find(", ") + 2)) <= (1u << 20));
  agent.signal(SIGTERM);
  CHECK(agent.wait(10s) == 0);
}
