// Records removed from the end of the evidence log: whole lines of the last segment, or the
// last segment itself. The head file and --min-seq make verify see it; a restart records the
// gap and continues the chain from the head, and verify reports the gap, not "intact".

#include <filesystem>
#include <fstream>
#include <sstream>
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

const std::string kCutKey = "0123456789abcdef0123456789abcdef-truncation";

// Runs a log over `dir` for `runs` records and closes it.
void write_runs(const std::string& dir, int runs, std::uint64_t segment_max = 64 << 20) {
  prometheus::Registry registry;
  Logger log{LogLevel::error, LogFormat::text, [](std::string_view) {}};
  EvidenceLog::Options options;
  options.dir = dir;
  options.key = kCutKey;
  options.fsync = FsyncPolicy::always;
  options.segment_max_bytes = segment_max;
  EvidenceLog evidence(options, registry, log);
  for (int i = 0; i < runs; ++i)
    evidence.append({{"type", "run"}, {"check", "c"}, {"verdict", "pass"}, {"n", i}});
  REQUIRE(evidence.flush(10s));
}

std::vector<std::string> lines_of(const std::string& path) {
  std::istringstream in(file_text(path));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// The exit code of docs/verify_evidence.py (the independent verifier) over `evidence`, its
// output in `out`.
int python_verify(const TempDir& dir, const std::string& evidence, const std::string& log,
                  std::string& out, std::vector<std::string> extra = {}) {
  const std::string key_file = dir.file("python.key", kCutKey);
  std::vector<std::string> argv{"/usr/bin/env", "python3",
                                CAMPUS_SOURCE_DIR "/docs/verify_evidence.py", evidence, key_file};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_to_end(argv, dir, log, &out);
}

void cut_lines(const std::string& path, std::size_t n) {
  auto lines = lines_of(path);
  REQUIRE(lines.size() > n);
  lines.resize(lines.size() - n);
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  for (const auto& l : lines)
    out << l << '\n';
}

}  // namespace

TEST_CASE("lines cut from the end are caught by the head file, and a restart records the gap") {
  TempDir dir;
  const std::string evidence = dir.path() + "/evidence";
  write_runs(evidence, 30);  // seq 0 (open) to 30
  auto v = verify_evidence(evidence, kCutKey);
  REQUIRE(v.intact);
  CHECK(v.head_seq == 30);
  CHECK(v.head_file_seq == 30);
  CHECK(v.summary().find("head: seq 30") != std::string::npos);

  cut_lines(last_segment(evidence), 3);
  v = verify_evidence(evidence, kCutKey);
  CHECK_FALSE(v.intact);
  CHECK(v.problem ==
        "records removed from the end: the log ends at seq 27, its head file says 30 (in " +
            fs::path(last_segment(evidence)).filename().string() + ")");
  std::string py;
  CHECK(python_verify(dir, evidence, "python-cut.log", py) == 1);
  CHECK(py.find("records removed from the end: the log ends at seq 27, its head file says 30") !=
        std::string::npos);

  // Without the head file only a head known from elsewhere catches it: --min-seq.
  const std::string head = file_text(evidence + "/head");
  fs::remove(evidence + "/head");
  CHECK(verify_evidence(evidence, kCutKey).intact);
  v = verify_evidence(evidence, kCutKey, nullptr, nullptr, 24h, 30);
  CHECK_FALSE(v.intact);
  CHECK(v.problem.find("the log ends at seq 27, before seq 30 (--min-seq") != std::string::npos);
  std::string out;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", evidence, "--min-seq", "30"}, dir,
                   "verify-min.log", &out) == 1);
  CHECK(out.find("before seq 30") != std::string::npos);
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", evidence, "--min-seq", "27"}, dir,
                   "verify-ok.log", &out) == 0);
  CHECK(out.find("head: seq 27") != std::string::npos);
  CHECK(python_verify(dir, evidence, "python-min.log", py, {"--min-seq", "30"}) == 1);
  CHECK(py.find("the log ends at seq 27, before seq 30 (--min-seq)") != std::string::npos);
  CHECK(python_verify(dir, evidence, "python-ok.log", py, {"--min-seq", "27"}) == 0);
  CHECK(py.find("intact: up to seq 27") != std::string::npos);
  CHECK(py.find("head: seq 27") != std::string::npos);
  CHECK(py.find("no head file") != std::string::npos);
  std::ofstream(evidence + "/head", std::ios::binary) << head;

  // The agent starts: it sees the missing records, says so, and continues from the head.
  write_runs(evidence, 2);
  std::vector<nlohmann::json> gaps;
  for (const auto& line : lines_of(last_segment(evidence))) {
    const auto r = nlohmann::json::parse(line);
    if (r["type"] == "gap") gaps.push_back(r);
  }
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]["missing_from_seq"] == 28);
  CHECK(gaps[0]["missing_to_seq"] == 30);
  CHECK(gaps[0]["seq"] == 31);
  CHECK(gaps[0]["prev"] == gaps[0]["head_hash"]);
  v = verify_evidence(evidence, kCutKey);
  INFO(v.summary());
  CHECK_FALSE(v.intact);
  REQUIRE(v.missing.size() == 1);
  CHECK(v.summary().rfind("GAP: records missing: seq 28 to 30 (3 record(s))", 0) == 0);
  CHECK(v.summary().find("Otherwise the chain holds") != std::string::npos);
  CHECK(v.head_seq == 33);
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", evidence}, dir, "verify-gap.log",
                   &out) == 1);
  CHECK(out.find("GAP: records missing") != std::string::npos);
  CHECK(python_verify(dir, evidence, "python-gap.log", py) == 1);
  CHECK(py.rfind("GAP: records missing: seq 28 to 30 (3 record(s))", 0) == 0);
  CHECK(py.find("Otherwise the chain holds: up to seq 33") != std::string::npos);
  CHECK(py.find("the head file says seq 33") != std::string::npos);
}

TEST_CASE("a removed last segment is caught, and the restart begins a segment with the gap") {
  TempDir dir;
  const std::string evidence = dir.path() + "/evidence";
  write_runs(evidence, 60, 2048);
  const std::string last = last_segment(evidence);
  const auto last_lines = lines_of(last);
  const auto head_seq = nlohmann::json::parse(last_lines.back())["seq"].get<std::uint64_t>();
  REQUIRE(verify_evidence(evidence, kCutKey).intact);
  fs::remove(last);
  auto v = verify_evidence(evidence, kCutKey);
  CHECK_FALSE(v.intact);
  CHECK(v.problem.find("records removed from the end") != std::string::npos);
  CHECK(v.problem.find("its head file says " + std::to_string(head_seq)) != std::string::npos);
  std::string py;
  CHECK(python_verify(dir, evidence, "python-removed.log", py) == 1);
  CHECK(py.find("its head file says " + std::to_string(head_seq)) != std::string::npos);

  write_runs(evidence, 1);
  const auto first = nlohmann::json::parse(lines_of(last_segment(evidence)).front());
  CHECK(first["type"] == "gap");  // stands in for the open record of its segment
  CHECK(first["segment"] == fs::path(last_segment(evidence)).filename().string());
  CHECK(first["missing_to_seq"] == head_seq);
  v = verify_evidence(evidence, kCutKey);
  INFO(v.summary());
  CHECK_FALSE(v.intact);
  REQUIRE(v.missing.size() == 1);
  CHECK(v.summary().rfind("GAP: records missing", 0) == 0);
  CHECK(python_verify(dir, evidence, "python-gap.log", py) == 1);
  CHECK(py.rfind("GAP: records missing: seq ", 0) == 0);
}

TEST_CASE("an emptied last segment is removed on start, and a repair record names it") {
  TempDir dir;
  const std::string evidence = dir.path() + "/evidence";
  write_runs(evidence, 4);
  // A crash between creating the next segment and writing its first record.
  const std::string empty = evidence + "/evidence-20990101-0001.jsonl";
  std::ofstream(empty).close();
  write_runs(evidence, 1);
  CHECK_FALSE(fs::exists(empty));
  std::vector<nlohmann::json> repairs;
  for (const auto& line : lines_of(last_segment(evidence))) {
    const auto r = nlohmann::json::parse(line);
    if (r["type"] == "repair") repairs.push_back(r);
  }
  REQUIRE(repairs.size() == 1);
  CHECK(repairs[0]["segment"] == "evidence-20990101-0001.jsonl");
  CHECK(repairs[0]["removed"] == "empty segment");
  const auto v = verify_evidence(evidence, kCutKey);
  INFO(v.summary());
  CHECK(v.intact);
}
