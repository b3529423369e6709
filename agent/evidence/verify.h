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

  /// One paragraph for people: the summary when intact, the problem otherwise.
  std::string summary() const;
};

/// Verifies the segments in `dir`. `key` checks the MACs too.
EvidenceVerification verify_evidence(const std::string& dir, const std::optional<std::string>& key);

}  // namespace campus
