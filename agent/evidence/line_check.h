#pragma once
// One evidence line checked on its own: parsed, its hash (and with the key its MAC, with the public
// key its signature) recomputed, and the members the chain walk needs picked out. Independent of
// every other line, so that `evidence verify` checks lines on several cores and `evidence pull`
// checks each line as it arrives.

#include <cstdint>
#include <optional>
#include <string>

namespace campus {

class VerifyKey;

// What the chain walk needs of one line, found independently of every other line (parse, hash,
// MAC), so that lines can be checked on several cores.
struct CheckedLine {
  enum class Problem { none, not_json, hash, no_mac, mac, signature } problem = Problem::none;
  bool is_signed = false;    // carries a signature (checked when a public key was given)
  std::uint64_t number = 0;  // line number in the segment
  bool has_seq = false;
  std::uint64_t seq = 0;
  std::string type;
  std::string prev;
  std::string hash;
  std::string segment;        // of an open record
  std::uint64_t records = 0;  // of a seal
  std::string last;           // of a seal
  std::string check;          // of a run
  std::string time;
  // Of a gap record: records dropped (count and time range), or records missing at a restart
  // (the seqs, and the head the chain continues from).
  std::uint64_t dropped = 0;
  std::string dropped_from, dropped_to;
  bool has_missing = false;
  std::uint64_t missing_from = 0, missing_to = 0;
  std::string head_hash;
};

/// Checks `line` (line `number` of its segment). A line in canonical form takes the fast path
/// (its own bytes minus hash and mac are hashed); any other is parsed and re-serialised, which
/// gives the same verdict and names the problem.
CheckedLine check_evidence_line(const std::string& line, std::uint64_t number,
                                const std::optional<std::string>& key, const VerifyKey* pubkey);

/// What a line's problem means, for people: "hash mismatch — record altered", ...; empty for none
/// and for not_json (whose text depends on where the line is).
std::string line_problem_text(CheckedLine::Problem problem);

}  // namespace campus
