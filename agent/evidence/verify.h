#pragma once
// Verification of an evidence directory: every hash, link, sequence number, segment boundary and
// (with the key) MAC, in order across all segments.

#include <cstdint>
#include <optional>
#include <set>
#include <string>

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
  std::uint64_t unsigned_tail = 0;  ///< records after the last signed one

  /// One paragraph for people: the summary when intact, the problem otherwise.
  std::string summary() const;
};

class VerifyKey;

/// Verifies the segments in `dir`. `key` checks the MACs too; `pubkey` every signature, and a log
/// without any signed record then fails.
EvidenceVerification verify_evidence(const std::string& dir, const std::optional<std::string>& key,
                                     const VerifyKey* pubkey = nullptr);

}  // namespace campus
