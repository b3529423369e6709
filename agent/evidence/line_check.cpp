#include "evidence/line_check.h"

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/json_parse.h"
#include "evidence/canonical_line.h"
#include "evidence/record.h"
#include "evidence/signing.h"

namespace campus {
namespace {

// An unsigned member of a parsed record, or nullopt.
std::optional<std::uint64_t> count_member(const nlohmann::json& record, const char* key) {
  const auto it = record.find(key);
  if (it == record.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

// A string member of a parsed record, or "" when it is missing or not a string.
std::string text_member(const nlohmann::json& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The general path: parse the line and re-serialise it in canonical form.
CheckedLine check_parsed_line(const std::string& line, std::uint64_t number,
                              const std::optional<std::string>& key, const VerifyKey* pubkey) {
  CheckedLine c;
  c.number = number;
  auto record = parse_json_bounded(line);
  if (record.is_discarded() || !record.is_object()) {
    c.problem = CheckedLine::Problem::not_json;
    return c;
  }
  if (const auto it = record.find("seq"); it != record.end() && it->is_number_unsigned()) {
    c.has_seq = true;
    c.seq = it->get<std::uint64_t>();
  }
  // The canonical bytes once, for the hash and the MAC: take hash and mac out of the parsed
  // record (no copy of it) and serialise what is left.
  nlohmann::json hash = record.contains("hash") ? std::move(record["hash"]) : nlohmann::json();
  nlohmann::json mac = record.contains("mac") ? std::move(record["mac"]) : nlohmann::json();
  nlohmann::json sig = record.contains("sig") ? std::move(record["sig"]) : nlohmann::json();
  record.erase("hash");
  record.erase("mac");
  record.erase("sig");
  const std::string bytes = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!hash.is_string() || hash.get<std::string>() != sha256_hex(bytes)) {
    c.problem = CheckedLine::Problem::hash;
    return c;
  }
  if (key) {
    if (mac.is_null()) {
      c.problem = CheckedLine::Problem::no_mac;
      return c;
    }
    if (mac != mac_of_bytes(bytes, *key)) {
      c.problem = CheckedLine::Problem::mac;
      return c;
    }
  }
  if (!sig.is_null()) {
    c.is_signed = true;
    if (pubkey && (!sig.is_string() ||
                   !pubkey->verify_hex(hash.get<std::string>(), sig.get<std::string>()))) {
      c.problem = CheckedLine::Problem::signature;
      return c;
    }
  }
  c.hash = std::move(hash.get_ref<std::string&>());
  c.type = text_member(record, "type");
  c.prev = text_member(record, "prev");
  c.time = text_member(record, "time");
  if (c.type == "open") c.segment = text_member(record, "segment");
  if (c.type == "seal") {
    const auto records = record.find("records");
    if (records != record.end() && records->is_number_unsigned()) {
      c.records = records->get<std::uint64_t>();
    }
    c.last = text_member(record, "last");
  }
  if (c.type == "run") c.check = text_member(record, "check");
  if (c.type == "gap") {
    c.segment = text_member(record, "segment");  // when it begins a segment
    c.dropped = count_member(record, "dropped").value_or(0);
    c.dropped_from = text_member(record, "from");
    c.dropped_to = text_member(record, "to");
    const auto from = count_member(record, "missing_from_seq");
    const auto to = count_member(record, "missing_to_seq");
    if (from && to) {
      c.has_missing = true;
      c.missing_from = *from;
      c.missing_to = *to;
      c.head_hash = text_member(record, "head_hash");
    }
  }
  return c;
}

}  // namespace

// The fast path for lines in canonical form (all the agent writes): hash the line's own bytes
// minus hash and mac. A line that is not canonical, or whose hash or MAC does not match, goes
// through the general path, which then gives the same verdict and names the problem.
CheckedLine check_evidence_line(const std::string& line, std::uint64_t number,
                                const std::optional<std::string>& key, const VerifyKey* pubkey) {
  const std::optional<CanonicalLine> fast = read_canonical_line(line);
  // Gap records are rare and carry members the fast reader does not pick out.
  if (!fast || fast->type == "gap" || fast->hash != sha256_hex(fast->canonical) ||
      (key && (!fast->mac || *fast->mac != mac_of_bytes(fast->canonical, *key))) ||
      (pubkey && fast->sig && !pubkey->verify_hex(fast->hash, *fast->sig))) {
    return check_parsed_line(line, number, key, pubkey);
  }
  CheckedLine c;
  c.is_signed = fast->sig.has_value();
  c.number = number;
  c.has_seq = true;
  c.seq = fast->seq;
  c.hash = fast->hash;
  c.type = fast->type;
  c.prev = fast->prev;
  c.time = fast->time;
  if (c.type == "open") c.segment = fast->segment;
  if (c.type == "seal") {
    c.records = fast->records;
    c.last = fast->last;
  }
  if (c.type == "run") c.check = fast->check;
  return c;
}

std::string line_problem_text(CheckedLine::Problem problem) {
  switch (problem) {
    case CheckedLine::Problem::hash:
      return "hash mismatch — record altered";
    case CheckedLine::Problem::no_mac:
      return "no MAC — record forged (or written without a key)";
    case CheckedLine::Problem::mac:
      return "MAC mismatch — record forged (or the key is wrong)";
    case CheckedLine::Problem::signature:
      return "signature does not verify with the public key — the chain up to here was "
             "rewritten (or signed with another key)";
    case CheckedLine::Problem::not_json:
    case CheckedLine::Problem::none:
      break;
  }
  return {};
}

}  // namespace campus
