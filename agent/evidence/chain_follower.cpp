#include "evidence/chain_follower.h"

#include <regex>

#include "evidence/line_check.h"
#include "evidence/record.h"

namespace campus {

nlohmann::json ChainTip::to_json() const {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : recent_signed)
    points.push_back({{"seq", p.seq}, {"hash", p.hash}, {"time", p.time}});
  return {{"empty", empty},
          {"first_seq", first_seq},
          {"seq", seq},
          {"hash", hash},
          {"segment", segment},
          {"in_segment", in_segment},
          {"sealed", sealed},
          {"records", records},
          {"signed_records", signed_records},
          {"unsigned_tail", unsigned_tail},
          {"timestamps", timestamps},
          {"recent_signed", std::move(points)},
          {"missing", missing}};
}

std::optional<ChainTip> ChainTip::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  try {
    ChainTip tip;
    tip.empty = j.at("empty").get<bool>();
    tip.first_seq = j.at("first_seq").get<std::uint64_t>();
    tip.seq = j.at("seq").get<std::uint64_t>();
    tip.hash = j.at("hash").get<std::string>();
    tip.segment = j.at("segment").get<std::string>();
    tip.in_segment = j.at("in_segment").get<std::uint64_t>();
    tip.sealed = j.at("sealed").get<bool>();
    tip.records = j.at("records").get<std::uint64_t>();
    tip.signed_records = j.value("signed_records", std::uint64_t(0));
    tip.unsigned_tail = j.value("unsigned_tail", std::uint64_t(0));
    tip.timestamps = j.value("timestamps", std::uint64_t(0));
    for (const auto& p : j.value("recent_signed", nlohmann::json::array())) {
      tip.recent_signed.push_back({p.at("seq").get<std::uint64_t>(),
                                   p.at("hash").get<std::string>(),
                                   p.at("time").get<std::string>()});
    }
    tip.missing = j.value("missing", std::vector<std::string>());
    if (!tip.empty && !is_segment_name(tip.segment)) return std::nullopt;
    return tip;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

bool is_segment_name(const std::string& name) {
  static const std::regex pattern(R"(evidence-\d{8}-\d{4}\.jsonl)");
  return std::regex_match(name, pattern);
}

ChainFollower::ChainFollower(ChainTip tip, std::optional<std::string> key, const VerifyKey* pubkey,
                             Duration max_timestamp_delay, const TsaTrust* tsa)
    : tip_(std::move(tip)),
      key_(std::move(key)),
      pubkey_(pubkey),
      timestamps_(tsa, max_timestamp_delay) {
  for (const auto& p : tip_.recent_signed)
    timestamps_.signed_record(p.seq, p.hash, p.time);
}

ChainFollower::Step ChainFollower::accept(const std::string& line) {
  Step step;
  const bool starts = tip_.empty || tip_.sealed;
  const CheckedLine c = check_evidence_line(line, starts ? 1 : tip_.in_segment + 1, key_, pubkey_);
  const std::string segment = starts ? c.segment : tip_.segment;
  const auto where = [&] {
    return (c.has_seq ? "seq " + std::to_string(c.seq) : std::string("a record")) +
           (segment.empty() ? std::string() : " (" + segment + ")") + ": ";
  };
  if (c.problem == CheckedLine::Problem::not_json) {
    step.problem = where() + "not a JSON record — damaged";
    return step;
  }
  if (c.problem != CheckedLine::Problem::none) {
    step.problem = where() + line_problem_text(c.problem);
    return step;
  }
  if (starts && ((c.type != "open" && c.type != "gap") || !is_segment_name(c.segment) ||
                 (!tip_.empty && c.segment <= tip_.segment))) {
    step.problem = where() +
                   (tip_.empty ? "the log does not begin with a segment's open record"
                               : "the record after a seal does not open a new segment") +
                   " — truncated, renamed or swapped";
    return step;
  }
  std::optional<std::string> missing;
  if (tip_.empty) {
    // The first record of the source's log, or of what its retention left: a chain that starts
    // later continues segments the source deleted, named by its retention record.
    if (c.seq == 0 && c.prev != kGenesisPrev) {
      step.problem = where() + "the first record does not start the chain (prev is not 64 zeros)";
      return step;
    }
  } else if (c.type == "gap" && c.has_missing && c.missing_from == tip_.seq + 1 &&
             c.missing_to + 1 == c.seq && c.prev == c.head_hash && c.missing_from <= c.missing_to) {
    // The source restarted on a log shorter than its head file and said so: its chain goes on
    // from the head, as `evidence verify` accepts (and reports).
    missing = "records missing at the source: seq " + std::to_string(c.missing_from) + " to " +
              std::to_string(c.missing_to) +
              " were removed from the end of its log before a "
              "restart (gap record seq " +
              std::to_string(c.seq) + ")";
  } else if (c.seq != tip_.seq + 1) {
    step.problem = where() + "seq " + std::to_string(c.seq) + " where " +
                   std::to_string(tip_.seq + 1) +
                   " was due — records missing, reordered or duplicated";
    return step;
  } else if (c.prev != tip_.hash) {
    step.problem = where() + "prev does not match the previous record's hash (" + tip_.hash +
                   ") — records replaced";
    return step;
  }
  if (c.type == "seal" && (c.records != tip_.in_segment || c.last != tip_.hash)) {
    step.problem = where() + "the seal does not match the segment's records — records deleted";
    return step;
  }
  if (c.type == "timestamp") {
    const std::string problem = timestamps_.check(line, tip_.first_seq);
    if (!problem.empty()) {
      step.problem = where() + problem;
      return step;
    }
    ++tip_.timestamps;
  }
  // The line holds: move the tip past it.
  if (tip_.empty) tip_.first_seq = c.seq;
  tip_.empty = false;
  if (starts) {
    tip_.segment = c.segment;
    tip_.in_segment = 0;
  }
  tip_.seq = c.seq;
  tip_.hash = c.hash;
  tip_.sealed = c.type == "seal";
  ++tip_.in_segment;
  ++tip_.records;
  if (missing) tip_.missing.push_back(*missing);
  if (c.is_signed) {
    timestamps_.signed_record(c.seq, c.hash, c.time);
    tip_.recent_signed.push_back({c.seq, c.hash, c.time});
    if (tip_.recent_signed.size() > kRecentSignedPoints)
      tip_.recent_signed.erase(tip_.recent_signed.begin());
    ++tip_.signed_records;
    tip_.unsigned_tail = 0;
  } else if (c.type != "timestamp") {
    ++tip_.unsigned_tail;
  }
  step.segment = tip_.segment;
  step.starts_segment = starts;
  step.seq = c.seq;
  step.hash = c.hash;
  return step;
}

}  // namespace campus
