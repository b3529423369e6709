#pragma once
// A copy of an agent's evidence log kept elsewhere (`campus-probe evidence pull`): the agent's
// segment files byte for byte, so that `evidence verify` checks the copy like the original, plus
// `replica.json`, the commit point of every pull. Lines are appended and synced first, then
// replica.json (where the chain stands and how long the last segment is) is replaced atomically,
// then the `head` file; opening a replica cuts off whatever an interrupted pull wrote after its
// last commit, so a copy never ends in a half-written line or an unverified record.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "evidence/chain_follower.h"

namespace campus {

/// One verified line and the segment file it goes to.
struct ReplicaLine {
  std::string segment;
  std::string text;  ///< without its newline
};

class EvidenceReplica {
 public:
  /// Opens the replica in `dir`, creating the directory; rolls back what an interrupted pull left
  /// after its last commit. Throws EvidenceError when `dir` holds segments but no replica.json
  /// (not a replica), or a copy shorter than its replica.json says (damaged).
  explicit EvidenceReplica(std::string dir);

  const std::string& dir() const { return dir_; }
  const ChainTip& tip() const { return tip_; }
  /// Where the records come from, and the site they are filed under (kept in replica.json).
  const std::string& source() const { return source_; }
  const std::string& site() const { return site_; }
  void set_origin(std::string source, std::string site);

  /// Appends `lines` (verified, in order) and commits them with `tip`, the chain's position
  /// after them. Throws EvidenceError when the disk refuses; what was written is then cut off
  /// again by the next open.
  void append(const std::vector<ReplicaLine>& lines, const ChainTip& tip);

  /// The hash of this copy's record `seq`, when it holds it (a scan of one segment: for finding
  /// where a source's chain forks, not for every record).
  std::optional<std::string> hash_at(std::uint64_t seq) const;

 private:
  void write_state();

  std::string dir_;
  ChainTip tip_;
  std::uint64_t segment_bytes_ = 0;  // the length of tip_.segment as of the last commit
  std::string source_;
  std::string site_;
};

/// The first seq in [low, high] where two chains hold different hashes, given that they differ
/// at `high`: chains link each record to the one before, so once they differ they differ on.
/// `ours` and `theirs` give a chain's hash at a seq (nullopt: it does not have that record, which
/// counts as different). Returns `low` when they already differ there (the fork is at or before
/// it). Calls each at most about log2(high - low) + 1 times.
std::uint64_t first_divergent_seq(
    std::uint64_t low, std::uint64_t high,
    const std::function<std::optional<std::string>(std::uint64_t)>& ours,
    const std::function<std::optional<std::string>(std::uint64_t)>& theirs);

}  // namespace campus
