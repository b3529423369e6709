#pragma once
// Reads an evidence line that is already in canonical form (docs/evidence-format.md) without
// building a JSON document: the agent writes every line that way, so verification can hash the
// line's own bytes minus `hash` and `mac` instead of parsing and re-serialising each record.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace campus {

/// What the chain walk needs of a canonical line. The views point into the line.
struct CanonicalLine {
  std::string canonical;  // the line without its `hash`, `mac` and `sig`: what they cover
  std::string_view hash;
  std::optional<std::string_view> mac;
  std::optional<std::string_view> sig;  ///< a signature over `hash`, left out of `canonical`
  std::uint64_t seq = 0;
  std::string_view type, prev, time, segment, last, check;
  std::uint64_t records = 0;
};

/// The line's parts when it is exactly a canonical object plus `hash` and `mac` (members sorted
/// by bytes, no white space, minimal string escapes, valid UTF-8, numbers as nlohmann::json
/// serialises them) and `seq`, `hash` and the members read have their usual types. Anything else
/// yields nullopt, and the caller parses the line in full: then the canonical bytes come from
/// re-serialising, which for a canonical line gives exactly `canonical`.
std::optional<CanonicalLine> read_canonical_line(std::string_view line);

}  // namespace campus
