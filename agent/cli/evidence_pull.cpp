#include "cli/evidence_pull.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/replication_client.h"
#include "core/duration.h"
#include "core/json_parse.h"
#include "evidence/chain_follower.h"
#include "evidence/evidence_log.h"
#include "evidence/replica.h"
#include "evidence/signing.h"
#include "evidence/timestamp.h"

namespace campus {
namespace {

// A credential file's content without its final line break; nullopt (and a message) when it
// cannot be read or is empty.
std::optional<Secret> read_credential_file(const std::string& path, const char* option,
                                           std::ostream& err) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
    value.pop_back();
  if (!in || value.empty()) {
    err << "campus-probe: " << option << ": cannot read a credential from " << path << "\n";
    return std::nullopt;
  }
  return Secret(std::move(value));
}

// A site name is a directory name below --dir: letters, digits, '.', '_' and '-', not a path.
bool valid_site_name(const std::string& site) {
  if (site.empty() || site.size() > 64 || site == "." || site == "..") return false;
  for (const char c : site) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> split_lines(const std::string& body) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < body.size()) {
    const auto end = body.find('\n', start);
    if (end == std::string::npos) break;  // only whole lines count
    lines.push_back(body.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

enum class PullOutcome { ok, refused, unreachable };

// One agent, one copy: a pull brings the copy up to the agent's head.
class EvidencePuller {
 public:
  EvidencePuller(const EvidencePullOptions& options, ReplicationClient& client,
                 std::optional<std::string> hmac_key, const VerifyKey* pubkey, const TsaTrust* tsa,
                 Duration max_timestamp_delay, std::ostream& out, std::ostream& err)
      : options_(options),
        client_(client),
        hmac_key_(std::move(hmac_key)),
        pubkey_(pubkey),
        tsa_(tsa),
        max_timestamp_delay_(max_timestamp_delay),
        out_(out),
        err_(err) {}

  PullOutcome once();

 private:
  struct AgentHead {
    std::uint64_t seq = 0;
    std::string hash;
    std::uint64_t first_seq = 0;
    std::string site;
  };
  std::optional<AgentHead> agent_head(bool& empty);
  /// The agent's lines after `after` (from its first record when nullopt); nullopt when the
  /// request failed (said on err_).
  std::optional<std::vector<std::string>> agent_lines(std::optional<std::uint64_t> after,
                                                      std::size_t limit);
  /// The hash of the agent's record `seq`; nullopt when it has none (or did not answer).
  std::optional<std::string> agent_hash_at(std::uint64_t seq);
  /// Says where the agent's chain leaves the copy's, given that it does at or before `high`;
  /// false (and nothing said) when the agent stopped answering meanwhile.
  bool report_fork(const EvidenceReplica& replica, const AgentHead& head, std::uint64_t high);
  void unreachable(const std::string& what, const ReplicationClient::Reply& reply);

  const EvidencePullOptions& options_;
  ReplicationClient& client_;
  std::optional<std::string> hmac_key_;
  const VerifyKey* pubkey_;
  const TsaTrust* tsa_;
  Duration max_timestamp_delay_;
  std::ostream& out_;
  std::ostream& err_;
  // A request failed while comparing chains: what looked like a fork may be the network.
  bool request_failed_ = false;
};

void EvidencePuller::unreachable(const std::string& what, const ReplicationClient::Reply& reply) {
  err_ << "campus-probe: evidence pull: " << what << " from " << client_.base() << ": "
       << (reply.status == 0
               ? reply.error
               : "HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200))
       << "\n";
}

std::optional<EvidencePuller::AgentHead> EvidencePuller::agent_head(bool& empty) {
  empty = false;
  const auto reply = client_.get("/api/evidence/head");
  if (reply.status == 404) {
    empty = true;
    return std::nullopt;
  }
  const auto j = reply.status == 200 ? parse_json_bounded(reply.body) : nlohmann::json();
  if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned()) {
    unreachable("cannot read the evidence head", reply);
    return std::nullopt;
  }
  AgentHead head;
  head.seq = j["seq"].get<std::uint64_t>();
  head.hash = j.value("hash", "");
  head.first_seq = j.value("first_seq", std::uint64_t(0));
  head.site = j.value("site", "");
  return head;
}

std::optional<std::vector<std::string>> EvidencePuller::agent_lines(
    std::optional<std::uint64_t> after, std::size_t limit) {
  std::string query = "/api/evidence/lines?limit=" + std::to_string(limit);
  if (after) query += "&after=" + std::to_string(*after);
  const auto reply = client_.get(query);
  if (reply.status != 200) {
    unreachable("cannot read evidence lines", reply);
    request_failed_ = true;
    return std::nullopt;
  }
  return split_lines(reply.body);
}

std::optional<std::string> EvidencePuller::agent_hash_at(std::uint64_t seq) {
  const auto lines =
      agent_lines(seq == 0 ? std::nullopt : std::optional<std::uint64_t>(seq - 1), 1);
  if (!lines || lines->empty()) return std::nullopt;
  const auto record = parse_json_bounded(lines->front());
  if (!record.is_object() || record.value("seq", std::uint64_t(0)) != seq) return std::nullopt;
  return record.value("hash", "");
}

bool EvidencePuller::report_fork(const EvidenceReplica& replica, const AgentHead& head,
                                 std::uint64_t high) {
  const ChainTip& tip = replica.tip();
  const std::uint64_t low = std::max(tip.first_seq, head.first_seq);
  const std::uint64_t fork = first_divergent_seq(
      low, std::max(low, high), [&](std::uint64_t seq) { return replica.hash_at(seq); },
      [&](std::uint64_t seq) { return agent_hash_at(seq); });
  const auto ours = replica.hash_at(fork);
  const auto theirs = agent_hash_at(fork);
  if (request_failed_) return false;
  err_ << "REFUSED: the agent's evidence chain forks from the copy in " << replica.dir()
       << " at seq " << fork
       << (fork == low && fork > 0 ? " (or before: older records are gone)" : "")
       << ": the copy has " << (ours ? "hash " + *ours : std::string("no record"))
       << ", the agent has " << (theirs ? "hash " + *theirs : std::string("no record"))
       << ". The agent's log was rewritten or replaced, or " << client_.base()
       << " serves another agent's log. Nothing was merged; the copy is unchanged (pull into "
          "another --dir or --site to keep both).\n";
  return true;
}

PullOutcome EvidencePuller::once() {
  request_failed_ = false;
  bool empty = false;
  const auto head = agent_head(empty);
  if (empty) {
    out_ << client_.base() << ": the agent has no evidence to pull yet\n";
    return PullOutcome::ok;
  }
  if (!head) return PullOutcome::unreachable;
  // The copy's directory: --site, else the site the agent names, else its host.
  const std::string site = !options_.site.empty() ? options_.site
                           : !head->site.empty()  ? head->site
                                                  : url_host(options_.url);
  if (!valid_site_name(site)) {
    err_ << "campus-probe: evidence pull: '" << site
         << "' cannot name a directory; give --site NAME (letters, digits, '.', '_', '-')\n";
    return PullOutcome::refused;
  }
  std::optional<EvidenceReplica> replica;
  try {
    replica.emplace(options_.dir + "/" + site);
    if (replica->source().empty()) replica->set_origin(options_.url, site);
  } catch (const EvidenceError& e) {
    err_ << "campus-probe: evidence pull: " << e.what() << "\n";
    return PullOutcome::refused;
  }
  const ChainTip before = replica->tip();
  std::optional<std::uint64_t> after;
  if (!before.empty) {
    // The agent must still hold the copy's last record, with the same hash: otherwise its chain
    // is not the one the copy continues.
    if (head->first_seq > before.seq + 1) {
      err_ << "REFUSED: the agent's log now starts at seq " << head->first_seq << ", after seq "
           << before.seq << ", the last one in " << replica->dir()
           << ": its retention removed records before they were pulled, and the copy cannot "
              "continue the chain. The copy is unchanged; pull more often than evidence.retain.\n";
      return PullOutcome::refused;
    }
    if (head->seq < before.seq) {
      const auto theirs = agent_hash_at(head->seq);
      if (request_failed_) return PullOutcome::unreachable;
      if (theirs && theirs == replica->hash_at(head->seq)) {
        err_ << "REFUSED: the agent's log ends at seq " << head->seq << ", before seq "
             << before.seq << " already in " << replica->dir()
             << ": records were removed from its end (or it was restored from an older copy). "
                "The copy is unchanged.\n";
      } else if (!report_fork(*replica, *head, head->seq)) {
        return PullOutcome::unreachable;
      }
      return PullOutcome::refused;
    }
    // (When retention removed exactly the copy's last record, the next one's prev is checked.)
    if (head->first_seq <= before.seq && agent_hash_at(before.seq) != before.hash) {
      if (request_failed_ || !report_fork(*replica, *head, before.seq))
        return PullOutcome::unreachable;
      return PullOutcome::refused;
    }
    after = before.seq;
  }
  ChainFollower follower(before, hmac_key_, pubkey_, max_timestamp_delay_, tsa_);
  std::uint64_t pulled = 0;
  std::optional<std::uint64_t> first_pulled;
  while (follower.tip().empty || follower.tip().seq < head->seq) {
    const auto lines = agent_lines(after, options_.batch);
    if (!lines) return PullOutcome::unreachable;
    if (lines->empty()) break;
    std::vector<ReplicaLine> staged;
    std::string problem;
    for (const auto& line : *lines) {
      const auto step = follower.accept(line);
      if (!step.problem.empty()) {
        problem = step.problem;
        break;
      }
      if (!first_pulled) first_pulled = step.seq;
      staged.push_back({step.segment, line});
    }
    try {
      // What verified before a bad record is kept: it is the agent's chain up to there.
      if (!staged.empty()) replica->append(staged, follower.tip());
    } catch (const EvidenceError& e) {
      err_ << "campus-probe: evidence pull: " << e.what() << "\n";
      return PullOutcome::refused;
    }
    pulled += staged.size();
    if (!problem.empty()) {
      err_ << "REFUSED: a record from " << client_.base() << " does not verify: " << problem
           << ". The copy in " << replica->dir() << " keeps the " << pulled
           << " record(s) before it that did.\n";
      return PullOutcome::refused;
    }
    after = follower.tip().seq;
  }
  const ChainTip& tip = replica->tip();
  out_ << site << ": ";
  if (pulled == 0) {
    out_ << "up to date";
  } else {
    out_ << "pulled " << pulled << " record(s), seq " << *first_pulled << " to " << tip.seq;
  }
  out_ << " from " << client_.base() << " into " << replica->dir();
  if (!tip.empty) {
    out_ << "; the copy holds seq " << tip.first_seq << " to " << tip.seq << ", chain verified";
    out_ << (hmac_key_ ? ", every MAC verified" : ", MACs not checked (no --key-file)");
    if (pubkey_) {
      out_ << ", " << tip.signed_records << " signature(s) verified";
      if (tip.unsigned_tail > 0)
        out_ << ", " << tip.unsigned_tail << " record(s) after the last signed one";
    } else {
      out_ << ", signatures not checked (no --public-key)";
    }
    if (tip.timestamps > 0) {
      out_ << ", " << tip.timestamps << " trusted timestamp(s) match their checkpoints"
           << (tsa_ ? " and verify with the TSA's CA" : "");
    }
  }
  out_ << "\n";
  for (const auto& missing : tip.missing)
    err_ << "GAP: " << missing << "\n";
  return PullOutcome::ok;
}

}  // namespace

int evidence_pull_command(const EvidencePullOptions& options, std::ostream& out,
                          std::ostream& err) {
  if (const std::string problem = url_problem(options.url); !problem.empty()) {
    err << "campus-probe: evidence pull: " << problem << "\n";
    return kExitUsage;
  }
  ReplicationAuth auth;
  if (!options.bearer_token_file.empty() && !options.basic_user.empty()) {
    err << "campus-probe: evidence pull: use either --bearer-token-file or --basic-user\n";
    return kExitUsage;
  }
  if (!options.password_file.empty() && options.basic_user.empty()) {
    err << "campus-probe: evidence pull: --password-file goes with --basic-user\n";
    return kExitUsage;
  }
  if (!options.bearer_token_file.empty()) {
    auth.bearer_token = read_credential_file(options.bearer_token_file, "--bearer-token-file", err);
    if (!auth.bearer_token) return kExitUsage;
  }
  if (!options.basic_user.empty()) {
    auth.basic_user = options.basic_user;
    if (options.password_file.empty()) {
      err << "campus-probe: evidence pull: --basic-user needs --password-file\n";
      return kExitUsage;
    }
    auth.basic_password = read_credential_file(options.password_file, "--password-file", err);
    if (!auth.basic_password) return kExitUsage;
  }
  if (options.cert.empty() != options.key.empty()) {
    err << "campus-probe: evidence pull: --cert and --key go together (a client certificate)\n";
    return kExitUsage;
  }
  auth.cacert = options.cacert;
  auth.client_cert = options.cert;
  auth.client_key = options.key;
  const auto max_delay = parse_duration(options.max_timestamp_delay);
  if (!max_delay) {
    err << "campus-probe: --max-timestamp-delay: expected a duration like 1d, got '"
        << options.max_timestamp_delay << "'\n";
    return kExitUsage;
  }
  std::optional<Duration> interval;
  if (!options.interval.empty()) {
    interval = parse_duration(options.interval);
    if (!interval || *interval <= Duration::zero()) {
      err << "campus-probe: --interval: expected a duration like 5m, got '" << options.interval
          << "'\n";
      return kExitUsage;
    }
  }
  std::optional<std::string> hmac_key;
  std::optional<VerifyKey> pubkey;
  std::optional<TsaTrust> tsa;
  try {
    if (!options.key_file.empty()) hmac_key = load_evidence_key(options.key_file);
    if (!options.public_key.empty()) pubkey = VerifyKey::load(options.public_key);
    if (!options.tsa_ca.empty()) tsa = TsaTrust::load(options.tsa_ca);
  } catch (const std::exception& e) {
    err << "campus-probe: " << e.what() << "\n";
    return kExitUsage;
  }
  ReplicationClient client(options.url, std::move(auth));
  EvidencePuller puller(options, client, hmac_key, pubkey ? &*pubkey : nullptr,
                        tsa ? &*tsa : nullptr, *max_delay, out, err);
  for (;;) {
    const PullOutcome outcome = puller.once();
    out.flush();
    // A fork or a record that does not verify needs people: a loop must not paper over it.
    if (outcome == PullOutcome::refused) return kExitCheckFailed;
    if (!interval) return outcome == PullOutcome::ok ? kExitOk : kExitCheckFailed;
    // Every pull commits atomically, so a stop (SIGTERM) at any moment leaves a whole copy.
    std::this_thread::sleep_for(*interval);
  }
}

}  // namespace campus
