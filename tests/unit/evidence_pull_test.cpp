// Replication of the evidence log, without a network: the lines the agent serves by seq, the
// chain checked line by line as a copy receives it, the copy's commit and roll-back, where two
// chains fork, and the campus rule over several sites.

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "core/logger.h"
#include "evidence/chain_follower.h"
#include "evidence/evidence_log.h"
#include "evidence/line_reader.h"
#include "evidence/replica.h"
#include "evidence/verify.h"
#include "report/campus_report.h"

using namespace campus;
namespace fs = std::filesystem;

namespace {

const std::string kPullKey = "0123456789abcdef0123456789abcdef-pull-key";

struct PullScratch {
  PullScratch() {
    std::string pattern = (fs::temp_directory_path() / "campus-pull-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~PullScratch() { fs::remove_all(dir); }
  std::string dir;
};

// An agent's log of `runs` runs in small segments, so that the chain spans several.
void write_agent_log(const std::string& dir, int runs, const std::string& reason = "ok") {
  prometheus::Registry registry;
  Logger log{LogLevel::error, LogFormat::text, [](std::string_view) {}};
  EvidenceLog::Options options;
  options.dir = dir;
  options.key = kPullKey;
  options.segment_max_bytes = 2048;
  options.fsync = FsyncPolicy::never;
  EvidenceLog evidence(options, registry, log);
  for (int i = 0; i < runs; ++i) {
    evidence.append({{"type", "run"},
                     {"check", "c" + std::to_string(i % 2)},
                     {"verdict", "pass"},
                     {"reason", reason + " " + std::to_string(i)}});
  }
  evidence.flush();
}

std::vector<std::string> body_lines(const std::string& body) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (auto end = body.find('\n'); end != std::string::npos; end = body.find('\n', start)) {
    lines.push_back(body.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::uint64_t served_seq_of(const std::string& line) {
  return nlohmann::json::parse(line)["seq"].get<std::uint64_t>();
}

// Pulls everything the reader serves into `replica`, `batch` lines at a time.
std::string pull_all(EvidenceLineReader& reader, EvidenceReplica& replica, std::size_t batch) {
  ChainFollower follower(replica.tip(), kPullKey, nullptr);
  std::optional<std::uint64_t> after;
  if (!replica.tip().empty) after = replica.tip().seq;
  for (;;) {
    const auto lines = body_lines(reader.lines_after(after, batch, 1 << 20).body);
    if (lines.empty()) return "";
    std::vector<ReplicaLine> staged;
    for (const auto& line : lines) {
      const auto step = follower.accept(line);
      if (!step.problem.empty()) return step.problem;
      staged.push_back({step.segment, line});
    }
    replica.append(staged, follower.tip());
    after = follower.tip().seq;
  }
}

}  // namespace

TEST_CASE("pull: the agent serves its lines by seq across segments, up to its head file") {
  PullScratch agent;
  write_agent_log(agent.dir, 60);
  EvidenceLineReader reader(agent.dir);
  const auto head = reader.head();
  REQUIRE(head.any);
  CHECK(head.first_seq == 0);
  const auto all = body_lines(reader.lines_after(std::nullopt, 10000, 1 << 20).body);
  REQUIRE(all.size() == head.seq + 1);
  for (std::size_t i = 0; i < all.size(); ++i)
    CHECK(served_seq_of(all[i]) == i);
  // From the middle, in small batches, the same bytes.
  const auto some = reader.lines_after(std::uint64_t(20), 5, 1 << 20);
  CHECK(some.count == 5);
  CHECK(some.last_seq == 25u);
  CHECK(body_lines(some.body).front() == all[21]);
  // The byte limit ends a batch after the line that reaches it.
  CHECK(reader.lines_after(std::uint64_t(3), 100, 1).count == 1);
  // Nothing after the head, and nothing the head file does not name as synced.
  CHECK(reader.lines_after(head.seq, 10, 1 << 20).count == 0);
  std::ofstream(agent.dir + "/head", std::ios::trunc)
      << nlohmann::json{{"seq", 10}, {"hash", "x"}, {"segment", "s"}}.dump() << "\n";
  CHECK(reader.lines_after(std::nullopt, 100, 1 << 20).count == 11);
}

TEST_CASE("pull: a copy made in batches is byte for byte the agent's log and verifies") {
  PullScratch agent, copy;
  write_agent_log(agent.dir, 40);
  EvidenceLineReader reader(agent.dir);
  {
    EvidenceReplica replica(copy.dir);
    CHECK(pull_all(reader, replica, 7).empty());
  }
  // A second pull after the agent wrote more fetches only what is new.
  write_agent_log(agent.dir, 30);
  {
    EvidenceReplica replica(copy.dir);
    const auto before = replica.tip().seq;
    CHECK(pull_all(reader, replica, 1000).empty());
    CHECK(replica.tip().seq > before);
    CHECK(replica.tip().records == reader.head().seq + 1);
  }
  for (const auto& entry : fs::directory_iterator(agent.dir)) {
    const auto name = entry.path().filename().string();
    if (!is_segment_name(name)) continue;
    std::ifstream a(entry.path()), b(copy.dir + "/" + name);
    const std::string left((std::istreambuf_iterator<char>(a)), {});
    const std::string right((std::istreambuf_iterator<char>(b)), {});
    CHECK_MESSAGE(left == right, name);
  }
  const auto v = verify_evidence(copy.dir, kPullKey);
  INFO(v.summary());
  CHECK(v.intact);
}

TEST_CASE("pull: an interrupted pull is rolled back to its last commit and resumes") {
  PullScratch agent, copy;
  write_agent_log(agent.dir, 30);
  EvidenceLineReader reader(agent.dir);
  ChainTip committed;
  {
    EvidenceReplica replica(copy.dir);
    ChainFollower follower(replica.tip(), kPullKey, nullptr);
    const auto lines = body_lines(reader.lines_after(std::nullopt, 12, 1 << 20).body);
    std::vector<ReplicaLine> staged;
    for (const auto& line : lines)
      staged.push_back({follower.accept(line).segment, line});
    replica.append(staged, follower.tip());
    committed = replica.tip();
  }
  // What a pull killed mid-write leaves: half a line in the last segment and a segment begun
  // after the commit.
  std::ofstream(copy.dir + "/" + committed.segment, std::ios::app) << "{\"seq\":12,\"ha";
  std::ofstream(copy.dir + "/evidence-29991231-0001.jsonl") << "{}\n";
  {
    EvidenceReplica replica(copy.dir);
    CHECK(replica.tip().seq == committed.seq);
    CHECK_FALSE(fs::exists(copy.dir + "/evidence-29991231-0001.jsonl"));
    CHECK(pull_all(reader, replica, 5).empty());
  }
  const auto v = verify_evidence(copy.dir, kPullKey);
  INFO(v.summary());
  CHECK(v.intact);
  // A directory of segments that no pull made is not taken for a copy.
  CHECK_THROWS_AS(EvidenceReplica{agent.dir}, EvidenceError);
}

TEST_CASE("pull: a line that does not continue the chain is refused and names the place") {
  PullScratch agent;
  write_agent_log(agent.dir, 10);
  EvidenceLineReader reader(agent.dir);
  const auto lines = body_lines(reader.lines_after(std::nullopt, 100, 1 << 20).body);
  ChainFollower follower(ChainTip{}, kPullKey, nullptr);
  CHECK(follower.accept(lines[0]).problem.empty());
  CHECK(follower.accept(lines[1]).problem.empty());
  // Skipping a record.
  auto step = follower.accept(lines[3]);
  CHECK(step.problem.find("seq 3 where 2 was due") != std::string::npos);
  CHECK(follower.tip().seq == 1);  // unchanged
  // A changed byte.
  std::string altered = lines[2];
  altered.replace(altered.find("ok 1"), 4, "ok 9");
  step = follower.accept(altered);
  CHECK(step.problem.find("hash mismatch") != std::string::npos);
  // The wrong key.
  ChainFollower keyed(ChainTip{}, std::string("another key of at least 32 bytes, yes"), nullptr);
  CHECK(keyed.accept(lines[0]).problem.find("MAC mismatch") != std::string::npos);
  // A log that does not begin with its open record.
  ChainFollower fresh(ChainTip{}, kPullKey, nullptr);
  CHECK(fresh.accept(lines[1]).problem.find("open record") != std::string::npos);
  // The tip survives its JSON form.
  const auto again = ChainTip::from_json(follower.tip().to_json());
  REQUIRE(again);
  CHECK(again->hash == follower.tip().hash);
  CHECK(again->segment == follower.tip().segment);
}

TEST_CASE("pull: the first seq where two chains differ is found by bisection") {
  std::map<std::uint64_t, std::string> ours, theirs;
  for (std::uint64_t s = 0; s <= 1000; ++s) {
    ours[s] = "h" + std::to_string(s);
    theirs[s] = s < 613 ? ours[s] : "x" + std::to_string(s);
  }
  int calls = 0;
  const auto look = [&calls](const std::map<std::uint64_t, std::string>& chain) {
    return [&calls, &chain](std::uint64_t seq) -> std::optional<std::string> {
      ++calls;
      const auto it = chain.find(seq);
      if (it == chain.end()) return std::nullopt;
      return it->second;
    };
  };
  CHECK(first_divergent_seq(0, 1000, look(ours), look(theirs)) == 613);
  CHECK(calls < 2 * 12);
  // Different from the start (another agent's log, or a fresh one): seq 0.
  theirs[0] = "other";
  CHECK(first_divergent_seq(0, 1000, look(ours), look(theirs)) == 0);
  // A record one side does not have counts as different.
  CHECK(first_divergent_seq(0, 1000, look(ours), look(std::map<std::uint64_t, std::string>{})) ==
        0);
}

TEST_CASE("pull: the campus status is the weakest of the sites that check an indicator") {
  using S = IndicatorStatus;
  CHECK(campus_status({}) == S::unverified);
  CHECK(campus_status({S::unverified, S::unverified}) == S::unverified);
  CHECK(campus_status({S::met, S::unverified}) == S::met);
  CHECK(campus_status({S::met, S::met}) == S::met);
  CHECK(campus_status({S::met, S::failing, S::unverified}) == S::failing);
  CHECK(campus_status({S::attested, S::met}) == S::attested);
  CHECK(campus_status({S::waived, S::attested}) == S::waived);
  CHECK(campus_status({S::waived, S::failing}) == S::failing);
  CHECK(campus_rule_text().find("every site that checks it") != std::string::npos);
}

TEST_CASE("pull: a copy's site comes from its records, its site file, or its directory name") {
  PullScratch base;
  const std::string dir = base.dir + "/dorm";
  fs::create_directories(dir);
  CHECK(evidence_site(dir) == "dorm");
  CHECK(evidence_site(dir + "/") == "dorm");
  std::ofstream(dir + "/site") << "dormitory\n";
  CHECK(evidence_site(dir) == "dormitory");
  std::ofstream(dir + "/evidence-20261129-0001.jsonl")
      << R"({"seq":0,"site":"north","type":"open"})"
      << "\n";
  CHECK(evidence_site(dir) == "north");
}
