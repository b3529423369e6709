// The evidence log: canonical form, chain, MAC, rotation, restart, torn-tail repair, and every
// kind of tampering that verify must name.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "core/logger.h"
#include "evidence/evidence_log.h"
#include "evidence/record.h"
#include "evidence/verify.h"

using namespace campus;
namespace fs = std::filesystem;

namespace {

struct Scratch {
  Scratch() {
    std::string pattern = (fs::temp_directory_path() / "campus-evidence-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string dir;
};

const std::string kKey = "0123456789abcdef0123456789abcdef-test-key";

struct Writer {
  prometheus::Registry registry;
  Logger log{LogLevel::error, LogFormat::text, [](std::string_view) {}};

  void write(const std::string& dir, int runs, std::uint64_t segment_max = 64 << 20,
             std::optional<std::string> key = kKey) {
    EvidenceLog::Options options;
    options.dir = dir;
    options.key = std::move(key);
    options.segment_max_bytes = segment_max;
    options.fsync = FsyncPolicy::never;
    EvidenceLog evidence(options, registry, log);
    for (int i = 0; i < runs; ++i) {
      evidence.append({{"type", "run"},
                       {"check", "c" + std::to_string(i % 3)},
                       {"verdict", i % 4 ? "pass" : "fail"},
                       {"reason", "运行 " + std::to_string(i)},
                       {"details", {{"n", i}, {"x", 0.25}}}});
    }
    evidence.flush();
  }
};

std::vector<std::string> segments(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".jsonl") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines)
    out << l << '\n';
}

}  // namespace

TEST_CASE("the canonical form sorts keys, drops hash and mac, and keeps UTF-8") {
  const nlohmann::json record = {
      {"b", 1}, {"a", "中文"}, {"hash", "x"}, {"mac", "y"}, {"c", {{"z", 1.5}, {"y", nullptr}}}};
  CHECK(canonical_bytes(record) == R"({"a":"中文","b":1,"c":{"y":null,"z":1.5}})");
  nlohmann::json sealed = {{"seq", 0}, {"prev", kGenesisPrev}};
  seal_record(sealed, kKey);
  CHECK(sealed["hash"] == record_hash(sealed));
  CHECK(sealed["mac"] == record_mac(sealed, kKey));
  CHECK(sealed["mac"] != record_mac(sealed, "another key of at least 32 bytes!!"));
}

TEST_CASE("a written log verifies, with and without the key, and continues after a restart") {
  Scratch scratch;
  Writer writer;
  writer.write(scratch.dir, 50);
  auto v = verify_evidence(scratch.dir, kKey);
  INFO(v.summary());
  CHECK(v.intact);
  CHECK(v.records == 51);  // open + 50 runs
  CHECK(v.runs == 50);
  CHECK(v.checks.size() == 3);
  writer.write(scratch.dir, 10);
  v = verify_evidence(scratch.dir, kKey);
  INFO(v.summary());
  CHECK(v.intact);
  CHECK(v.records == 61);
  CHECK(verify_evidence(scratch.dir, std::nullopt).intact);
  CHECK(v.summary().find("every MAC verified") != std::string::npos);
}

TEST_CASE("a segment continued after a restart is sealed with the count of all its records") {
  Scratch scratch;
  Writer writer;
  writer.write(scratch.dir, 10);
  // The restarted writer appends to the same segment, then rotates it at the (smaller) limit.
  writer.write(scratch.dir, 60, 4096);
  const auto files = segments(scratch.dir);
  REQUIRE(files.size() > 1);
  const auto first = read_lines(files[0]);
  const auto seal = nlohmann::json::parse(first.back());
  CHECK(seal["type"] == "seal");
  CHECK(seal["records"] == first.size() - 1);
  const auto v = verify_evidence(scratch.dir, kKey);
  INFO(v.summary());
  CHECK(v.intact);
}

TEST_CASE("segments rotate at the size limit with seals, and the chain spans them") {
  Scratch scratch;
  Writer writer;
  writer.write(scratch.dir, 200, 4096);
  const auto files = segments(scratch.dir);
  CHECK(files.size() > 3);
  const auto last_of_first = read_lines(files[0]).back();
  CHECK(nlohmann::json::parse(last_of_first)["type"] == "seal");
  const auto v = verify_evidence(scratch.dir, kKey);
  INFO(v.summary());
  CHECK(v.intact);
  CHECK(v.segments == files.size());
}

TEST_CASE("every kind of tampering is named at its first broken place") {
  Scratch scratch;
  Writer writer;
  writer.write(scratch.dir, 120, 4096);
  const auto files = segments(scratch.dir);
  REQUIRE(files.size() >= 4);
  const std::string second = files[1];
  const std::string name = fs::path(second).filename().string();
  const auto original = read_lines(second);

  auto broken = [&](const std::vector<std::string>& lines) {
    write_lines(second, lines);
    auto v = verify_evidence(scratch.dir, kKey);
    write_lines(second, original);
    CHECK_FALSE(v.intact);
    return v.problem;
  };

  SUBCASE("a changed byte") {
    auto lines = original;
    lines[3].replace(lines[3].find("\"pass\"") != std::string::npos ? lines[3].find("\"pass\"")
                                                                    : lines[3].find("\"fail\""),
                     6, "\"PASS\"");
    const auto problem = broken(lines);
    CHECK(problem.find(name + " line 4 (seq ") == 0);
    CHECK(problem.find("hash mismatch — record altered") != std::string::npos);
  }
  SUBCASE("a deleted record") {
    auto lines = original;
    lines.erase(lines.begin() + 2);
    CHECK(broken(lines).find("line 3 (seq") != std::string::npos);
    CHECK(broken(lines).find("record(s) deleted") != std::string::npos);
  }
  SUBCASE("reordered records") {
    auto lines = original;
    std::swap(lines[2], lines[3]);
    CHECK(broken(lines).find("records reordered") != std::string::npos);
  }
  SUBCASE("a truncated segment") {
    auto lines = original;
    lines.pop_back();  // the seal
    lines.pop_back();
    CHECK(broken(lines).find("the segment ends without a seal") != std::string::npos);
  }
  SUBCASE("a forged record, hashes recomputed without the key") {
    auto lines = original;
    auto record = nlohmann::json::parse(lines[1]);
    record["verdict"] = "pass";
    record["reason"] = "forged";
    record["hash"] = record_hash(record);
    lines[1] = record.dump();
    // The next record's prev would now break too; an attacker rewrites from here on, which only
    // the key stops.
    CHECK(broken(lines).find("MAC mismatch — record forged") != std::string::npos);
  }
  SUBCASE("the oldest segment deleted without a retention record") {
    fs::rename(files[0], files[0] + ".bak");
    auto v = verify_evidence(scratch.dir, kKey);
    fs::rename(files[0] + ".bak", files[0]);
    CHECK_FALSE(v.intact);
    CHECK(v.problem.find("no retention record names the segments before it") != std::string::npos);
  }
  SUBCASE("a deleted segment") {
    fs::rename(second, second + ".bak");
    auto v = verify_evidence(scratch.dir, kKey);
    fs::rename(second + ".bak", second);
    CHECK_FALSE(v.intact);
    CHECK(v.problem.find("the segment does not continue the previous one") != std::string::npos);
    CHECK(v.problem.find("a segment was deleted") != std::string::npos);
  }
  CHECK(verify_evidence(scratch.dir, kKey).intact);  // every case restored the file
}

TEST_CASE("a torn last line is set aside on start and the repair is recorded") {
  Scratch scratch;
  Writer writer;
  writer.write(scratch.dir, 5);
  const auto file = segments(scratch.dir).back();
  const std::string torn = R"({"type":"run","check":"half-writ)";
  { std::ofstream(file, std::ios::app) << torn; }
  CHECK_FALSE(verify_evidence(scratch.dir, kKey).intact);
  writer.write(scratch.dir, 3);
  const auto v = verify_evidence(scratch.dir, kKey);
  INFO(v.summary());
  CHECK(v.intact);
  CHECK(v.runs == 8);
  REQUIRE(fs::exists(file + ".torn"));
  CHECK(read_lines(file + ".torn") == std::vector<std::string>{torn});
  // Exactly one repair record, and it names what was set aside.
  std::vector<nlohmann::json> repairs;
  for (const auto& line : read_lines(file)) {
    const auto record = nlohmann::json::parse(line);
    if (record.value("type", "") == "repair") repairs.push_back(record);
  }
  REQUIRE(repairs.size() == 1);
  const std::string name = fs::path(file).filename().string();
  CHECK(repairs[0]["segment"] == name);
  CHECK(repairs[0]["torn_file"] == name + ".torn");
  CHECK(repairs[0]["torn_bytes"] == torn.size());
  // Evidence files are for the agent's user and group, never for everyone.
  for (const std::string& f : {file, file + ".torn", scratch.dir + "/head"}) {
    struct stat st {};
    REQUIRE(::stat(f.c_str(), &st) == 0);
    INFO(f);
    CHECK((st.st_mode & 0777) == 0640);
  }
}

TEST_CASE("the head file names the last record, and a gap record that does not fit is damage") {
  Scratch scratch;
  Writer writer;
  writer.write(scratch.dir, 5);
  const auto head = read_evidence_head(scratch.dir);
  REQUIRE(head);
  CHECK(head->seq == 5);
  const auto lines = read_lines(segments(scratch.dir).back());
  CHECK(nlohmann::json::parse(lines.back())["hash"] == head->hash);
  // A gap record someone appended to hide a jump, without the head it claims: the chain breaks.
  auto record = nlohmann::json::parse(lines.back());
  nlohmann::json gap = {{"type", "gap"},
                        {"seq", 10},
                        {"prev", std::string(64, 'a')},
                        {"time", record["time"]},
                        {"missing_from_seq", 6},
                        {"missing_to_seq", 9},
                        {"head_hash", std::string(64, 'b')}};
  seal_record(gap, kKey);
  auto tampered = lines;
  tampered.push_back(gap.dump());
  write_lines(segments(scratch.dir).back(), tampered);
  const auto v = verify_evidence(scratch.dir, kKey);
  CHECK_FALSE(v.intact);
  CHECK(v.missing.empty());
  CHECK(v.problem.find("seq 10 where 6 was due") != std::string::npos);
}

TEST_CASE("a key file that others can read, or that is short, is refused") {
  Scratch scratch;
  const std::string path = scratch.dir + "/evidence.key";
  std::ofstream(path) << kKey << "\n";
  chmod(path.c_str(), 0644);
  CHECK_THROWS_WITH_AS(load_evidence_key(path), doctest::Contains("is readable by other users"),
                       EvidenceError);
  chmod(path.c_str(), 0600);
  CHECK(load_evidence_key(path) == kKey);
  std::ofstream(path, std::ios::trunc) << "short\n";
  CHECK_THROWS_WITH_AS(load_evidence_key(path), doctest::Contains("at least 32"), EvidenceError);
}

TEST_CASE("retention deletes whole expired segments, says so, and the rest still verifies") {
  Scratch scratch;
  prometheus::Registry registry;
  Logger log{LogLevel::error, LogFormat::text, [](std::string_view) {}};
  using namespace std::chrono;
  const auto long_ago = sys_days{year{2025} / 1 / 1} + hours(12);
  const auto now = sys_days{year{2026} / 11 / 28} + hours(12);
  auto write = [&](system_clock::time_point when, int runs) {
    EvidenceLog::Options options;
    options.dir = scratch.dir;
    options.key = kKey;
    options.segment_max_bytes = 4096;
    options.fsync = FsyncPolicy::never;
    options.retain = hours(24 * 400);
    options.clock = [when] { return when; };
    EvidenceLog evidence(options, registry, log);
    for (int i = 0; i < runs; ++i)
      evidence.append({{"type", "run"}, {"check", "c"}, {"n", i}});
    evidence.flush();
  };
  write(long_ago, 60);
  const auto old_segments = segments(scratch.dir).size();
  CHECK(old_segments > 1);
  write(now, 5);
  const auto files = segments(scratch.dir);
  CHECK(files.size() == 1);  // every 2025 segment expired
  CHECK(fs::path(files[0]).filename().string().rfind("evidence-20261128-", 0) == 0);
  const auto v = verify_evidence(scratch.dir, kKey);
  INFO(v.summary());
  CHECK(v.intact);
  CHECK(v.segments_removed == old_segments);
  CHECK(v.summary().find("removed by retention") != std::string::npos);
}

TEST_CASE("a segment left empty by a crash is dropped and the chain continues") {
  Scratch scratch;
  Writer writer;
  writer.write(scratch.dir, 4);
  // A crash between creating the next segment and writing its open record.
  std::ofstream(scratch.dir + "/evidence-20990101-0001.jsonl").close();
  writer.write(scratch.dir, 3);
  const auto v = verify_evidence(scratch.dir, kKey);
  INFO(v.summary());
  CHECK(v.intact);
  CHECK(v.runs == 7);
  CHECK_FALSE(fs::exists(scratch.dir + "/evidence-20990101-0001.jsonl"));
}

TEST_CASE("a long segment is checked on several threads and still names the first broken record") {
  Scratch s;
  Writer().write(s.dir, 12000);
  CHECK(verify_evidence(s.dir, kKey).intact);
  const std::string file = segments(s.dir).front();
  auto lines = read_lines(file);
  REQUIRE(lines.size() > 12000);
  // Two alterations in different threads' shares: the earlier one is reported.
  for (std::size_t at : {std::size_t(9001), std::size_t(7001)}) {
    const auto pos = lines[at].find("运行");
    REQUIRE(pos != std::string::npos);
    lines[at].replace(pos, 6, "篡改");
  }
  write_lines(file, lines);
  const auto v = verify_evidence(s.dir, kKey);
  CHECK_FALSE(v.intact);
  CHECK(v.problem.find(" line 7002 ") != std::string::npos);
  CHECK(v.problem.find("hash mismatch — record altered") != std::string::npos);
}

TEST_CASE(
    "a record re-spaced by another tool still verifies: hash and MAC cover the canonical form") {
  Scratch s;
  Writer().write(s.dir, 20);
  const std::string file = segments(s.dir).front();
  auto lines = read_lines(file);
  const auto pos = lines[5].find("\"seq\":");
  REQUIRE(pos != std::string::npos);
  lines[5].replace(pos, 6, "\"seq\" :  ");
  write_lines(file, lines);
  CHECK(verify_evidence(s.dir, kKey).intact);
  // The same line altered as well as re-spaced is caught on the full path.
  const auto reason = lines[5].find("\"reason\":\"");
  REQUIRE(reason != std::string::npos);
  lines[5].insert(reason + 10, "x");
  write_lines(file, lines);
  const auto v = verify_evidence(s.dir, kKey);
  CHECK_FALSE(v.intact);
  CHECK(v.problem.find(" line 6 ") != std::string::npos);
  CHECK(v.problem.find("hash mismatch — record altered") != std::string::npos);
}

TEST_CASE("a record nested 100,000 levels deep is damage, not a crash of verify or the report") {
  Scratch scratch;
  Writer().write(scratch.dir, 4);
  const auto path = segments(scratch.dir).front();
  auto lines = read_lines(path);
  lines[2] = R"({"details":)" + std::string(100000, '[') + std::string(100000, ']') +
             R"(,"hash":"00","prev":"00","seq":2,"type":"run"})";
  write_lines(path, lines);
  const auto v = verify_evidence(scratch.dir, kKey);
  CHECK_FALSE(v.intact);
  CHECK(v.problem.find("line 3: not a JSON record — damaged") != std::string::npos);
}
