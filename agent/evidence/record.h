#pragma once
// Evidence records and their integrity: the canonical serialisation that `hash` and `mac` cover.
// docs/evidence-format.md defines the format for auditors who verify it with their own tools.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace campus {

/// 64 zeros: `prev` of the very first record of a log.
inline const std::string kGenesisPrev(64, '0');

/// The bytes `hash` and `mac` cover: the record without its `hash`, `mac` and `sig` members (a
/// signature covers the `hash`), as JSON
/// with object keys sorted by their UTF-8 bytes, no insignificant white space, non-ASCII text as
/// UTF-8 (not \u escapes), and integers as integers.
std::string canonical_bytes(const nlohmann::json& record);

/// SHA-256 of canonical_bytes(record), lowercase hex.
std::string record_hash(const nlohmann::json& record);

/// HMAC-SHA256 of canonical_bytes(record) with `key`, lowercase hex.
std::string record_mac(const nlohmann::json& record, std::string_view key);

/// HMAC-SHA256 of already canonical bytes with `key`, lowercase hex.
std::string mac_of_bytes(std::string_view bytes, std::string_view key);

/// Fills in `hash` (and `mac` when a key is given) of a record whose other members are set.
void seal_record(nlohmann::json& record, const std::optional<std::string>& key);

/// The head file (`head` in the evidence directory): the last record the agent synced, kept
/// outside the segments so that records removed from the end of the log show.
struct EvidenceHead {
  std::uint64_t seq = 0;
  std::string hash;
  std::string segment;
  bool damaged = false;  ///< the file is there but does not hold a head record
  /// Records the agent could not write before it stopped (a full disk), and their time range:
  /// the next start says so in a `gap` record.
  std::uint64_t lost = 0;
  std::string lost_from, lost_to;
};

/// The head file of `dir`, or nullopt when there is none.
std::optional<EvidenceHead> read_evidence_head(const std::string& dir);

}  // namespace campus
