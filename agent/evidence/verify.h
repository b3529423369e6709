#pragma once
// Verification of an evidence directory: every hash, link, sequence number, segment boundary and
// (with the key) MAC, in order across all segments.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/duration.h"

namespace campus {

struct EvidenceVerification {
  bool intact = false;
  std::string problem;  ///< the first broken place, e.g. "evidence-20261128-0002.jsonl line 814
                        ///< (seq 51233): hash mismatch — record altered"
  std::uint64_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t runs = 0;
  std::uint64_t segments_removed = 0;  ///< named by retention records
  std::string first_time;
  std::string last_time;
  std::set<std::string> checks;
  bool macs_checked = false;
  bool signatures_checked = false;
  std::uint64_t signed_records = 0;  ///< seals and checkpoints carrying a signature
  std::uint64_t last_signed_seq = 0;
  std::string last_signed_time;
  std::uint64_t unsigned_tail = 0;    ///< records after the last signed one
  std::uint64_t timestamps = 0;       ///< trusted timestamp tokens that match their checkpoints
  bool timestamps_checked = false;    ///< their authority's signatures too (a TSA CA was given)
  std::uint64_t timestamped_seq = 0;  ///< the newest checkpoint a token covers
  std::string timestamped_time;       ///< ... and the time its authority gave
  /// The head the walk found: the last record's seq and hash, and its segment.
  bool has_head = false;
  std::uint64_t head_seq = 0;
  std::string head_hash;
  std::string head_segment;
  /// The head file (written by the agent after each synced batch), when there is one.
  bool head_file = false;
  std::uint64_t head_file_seq = 0;
  /// `gap` records of dropped records (a full or slow disk): how many gaps, how many records.
  std::uint64_t drop_gaps = 0;
  std::uint64_t dropped = 0;
  std::string dropped_from, dropped_to;  ///< the earliest and latest time of a dropped record
  /// `gap` records of records missing on a restart (the log was shorter than its head file):
  /// the chain is otherwise whole, but the log is not intact. One text per gap.
  std::vector<std::string> missing;

  /// One paragraph for people: the summary when intact, the problem otherwise.
  std::string summary() const;
};

class VerifyKey;
class TsaTrust;

/// Verifies the segments in `dir`. `key` checks the MACs too; `pubkey` every signature, and a log
/// without any signed record then fails. Every `timestamp` record's token must match the signed
/// checkpoint it names and be dated within `max_timestamp_delay` after it; `tsa` checks the
/// authorities' signatures too, and a log without any timestamp then fails. A log that ends
/// before the seq in its `head` file, or before `min_seq` (a head known from elsewhere, e.g. the
/// agent's campus_evidence_head_seq in Prometheus), fails: records were removed from its end.
EvidenceVerification verify_evidence(const std::string& dir, const std::optional<std::string>& key,
                                     const VerifyKey* pubkey = nullptr,
                                     const TsaTrust* tsa = nullptr,
                                     Duration max_timestamp_delay = std::chrono::hours(24),
                                     std::optional<std::uint64_t> min_seq = std::nullopt);

}  // namespace campus
