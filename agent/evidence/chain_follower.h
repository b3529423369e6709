#pragma once
// The evidence chain checked one line at a time, as a replica receives it: the same rules as
// `evidence verify` (hash, MAC, signature, seq and prev links, segments that begin with their own
// open record and end with a matching seal, timestamps against the checkpoints they stamp), with
// where the chain stands kept in a ChainTip that a replica stores between pulls.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/duration.h"
#include "evidence/evidence_log.h"
#include "evidence/timestamp_ledger.h"

namespace campus {

class VerifyKey;

/// Where a chain stands after its last record: what the next record must continue.
struct ChainTip {
  bool empty = true;             ///< no record yet
  std::uint64_t first_seq = 0;   ///< the first record's seq (older ones were removed at the source)
  std::uint64_t seq = 0;         ///< the last record's
  std::string hash;              ///< ... and its hash
  std::string segment;           ///< the segment it is in
  std::uint64_t in_segment = 0;  ///< records in that segment so far
  bool sealed = false;           ///< the last record is a seal: the next one opens a segment
  std::uint64_t records = 0;     ///< records followed since the first
  std::uint64_t signed_records = 0;
  std::uint64_t unsigned_tail = 0;  ///< records after the last signed one
  std::uint64_t timestamps = 0;     ///< timestamp tokens that matched their checkpoints
  /// The newest signed records, for the timestamps that name them (a token is taken right
  /// after its checkpoint is written, so a few are enough).
  std::vector<SignedPoint> recent_signed;
  /// `gap` records of records missing at a restart of the source: the texts for people.
  std::vector<std::string> missing;

  nlohmann::json to_json() const;
  /// nullopt when `j` is not a tip this program wrote.
  static std::optional<ChainTip> from_json(const nlohmann::json& j);
};

/// How many signed points a tip keeps.
inline constexpr std::size_t kRecentSignedPoints = 16;

/// True for a segment file name the agent writes: evidence-YYYYMMDD-NNNN.jsonl (and nothing that
/// could name another directory).
bool is_segment_name(const std::string& name);

class ChainFollower {
 public:
  /// `key` checks MACs, `pubkey` signatures (nullptr: not checked); timestamps are checked
  /// against their checkpoints and dated within `max_timestamp_delay` after them, and with `tsa`
  /// their authorities' signatures too.
  ChainFollower(ChainTip tip, std::optional<std::string> key, const VerifyKey* pubkey,
                Duration max_timestamp_delay = std::chrono::hours(24),
                const TsaTrust* tsa = nullptr);

  struct Step {
    std::string problem;  ///< empty when the line continues the chain
    std::string segment;  ///< the segment the line belongs to
    bool starts_segment = false;
    std::uint64_t seq = 0;
    std::string hash;
  };
  /// Checks the next line of the chain; when it holds, the tip moves past it. A problem leaves
  /// the tip where it was.
  Step accept(const std::string& line);

  const ChainTip& tip() const { return tip_; }

 private:
  ChainTip tip_;
  std::optional<std::string> key_;
  const VerifyKey* pubkey_;
  TimestampLedger timestamps_;
};

}  // namespace campus
