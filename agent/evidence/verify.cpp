#include "evidence/verify.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sched.h>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/json_parse.h"
#include "evidence/line_check.h"
#include "evidence/record.h"
#include "evidence/signing.h"
#include "evidence/timestamp_ledger.h"

namespace campus {
namespace {

namespace fs = std::filesystem;

// The cores this process may run on (taskset and cgroup cpusets included).
std::size_t usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::size_t(CPU_COUNT(&set));
  return std::thread::hardware_concurrency();
}

// Checks every line of a segment, on as many threads as there are cores: the hash and MAC of a
// line do not depend on any other line. The chain is walked afterwards, in order.
std::vector<CheckedLine> check_lines(const std::vector<std::string>& lines,
                                     const std::optional<std::string>& key,
                                     const VerifyKey* pubkey) {
  std::vector<CheckedLine> out(lines.size());
  const std::size_t threads =
      lines.size() < 4096 ? 1 : std::clamp<std::size_t>(usable_cores(), 1, 8);
  auto work = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i)
      out[i] = check_evidence_line(lines[i], i + 1, key, pubkey);
  };
  std::vector<std::thread> pool;
  const std::size_t chunk = (lines.size() + threads - 1) / threads;
  for (std::size_t t = 1; t < threads; ++t) {
    pool.emplace_back(work, std::min(lines.size(), t * chunk),
                      std::min(lines.size(), (t + 1) * chunk));
  }
  work(0, std::min(lines.size(), chunk));
  for (auto& thread : pool)
    thread.join();
  return out;
}

}  // namespace

std::string EvidenceVerification::summary() const {
  // A restart gap leaves the chain otherwise whole: say both, the gap first.
  const bool gap_only = !intact && !missing.empty() && problem == missing.front();
  if (!intact && !gap_only) return "BROKEN: " + problem;
  std::string out;
  if (gap_only) {
    out = "GAP: ";
    for (std::size_t i = 0; i < missing.size(); ++i)
      out += (i ? "; " : "") + missing[i];
    out += ". Otherwise the chain holds: ";
  } else {
    out = "intact: ";
  }
  out += std::to_string(segments) + " segment(s), " + std::to_string(records) + " records (" +
         std::to_string(runs) + " probe runs of " + std::to_string(checks.size()) + " checks)";
  if (!first_time.empty()) out += ", " + first_time + " to " + last_time;
  if (segments_removed > 0) {
    out += "; " + std::to_string(segments_removed) + " older segment(s) removed by retention";
  }
  out += macs_checked ? "; every MAC verified" : "; MACs not checked (no --key)";
  if (signatures_checked) {
    out += "; " + std::to_string(signed_records) + " signature(s) verified, the last at seq " +
           std::to_string(last_signed_seq) + " (" + last_signed_time + ")";
    out += unsigned_tail == 0 ? ", nothing after it"
                              : "; " + std::to_string(unsigned_tail) +
                                    " record(s) after it are not signed yet (an unsigned tail)";
  } else if (signed_records > 0) {
    out += "; " + std::to_string(signed_records) + " signed record(s), not checked (no --pubkey)";
  }
  if (drop_gaps > 0) {
    out += "; " + std::to_string(dropped) + " record(s) dropped in " + std::to_string(drop_gaps) +
           " gap(s) (the backlog was full: disk full or too slow), with times " + dropped_from +
           " to " + dropped_to + " — the log says so, but their content is not in it";
  }
  if (has_head) {
    out += "; head: seq " + std::to_string(head_seq) + " (hash " + head_hash.substr(0, 16) +
           "…) in " + head_segment;
    out +=
        head_file ? ", the head file says seq " + std::to_string(head_file_seq) : ", no head file";
  }
  if (timestamps > 0) {
    out += "; " + std::to_string(timestamps) + " trusted timestamp(s) match their checkpoints" +
           (timestamps_checked ? " and verify with the TSA's CA"
                               : ", the authority's signatures not checked (no --tsa-ca)") +
           "; the newest covers seq " + std::to_string(timestamped_seq) + ", dated " +
           timestamped_time + " by the authority";
  }
  return out;
}

EvidenceVerification verify_evidence(const std::string& dir, const std::optional<std::string>& key,
                                     const VerifyKey* pubkey, const TsaTrust* tsa,
                                     Duration max_timestamp_delay,
                                     std::optional<std::uint64_t> min_seq) {
  EvidenceVerification v;
  TimestampLedger timestamps(tsa, max_timestamp_delay);
  v.macs_checked = key.has_value();
  v.signatures_checked = pubkey != nullptr;
  std::vector<std::string> segments;
  std::error_code ec;
  static const std::regex pattern(R"(evidence-\d{8}-\d{4}\.jsonl)");
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, pattern)) segments.push_back(name);
  }
  if (ec) {
    v.problem = dir + ": " + ec.message();
    return v;
  }
  std::sort(segments.begin(), segments.end());
  if (segments.empty()) {
    v.problem = dir + ": no evidence segments (evidence-YYYYMMDD-NNNN.jsonl)";
    return v;
  }
  std::string prev = kGenesisPrev;
  std::uint64_t expected_seq = 0;
  {
    std::ifstream in(dir + "/" + segments.front(), std::ios::binary);
    std::string line;
    std::getline(in, line);
    const auto first = parse_json_bounded(line);
    // A log whose every segment was removed, and which the agent continued from its head file,
    // starts with a gap record: the walk checks it like any gap.
    if (first.is_object() && first.value("prev", kGenesisPrev) != kGenesisPrev &&
        first.value("type", "") != "gap") {
      // The log does not start at its beginning: segments deleted by retention are named, with
      // their last hash and seq, in `retention` records further on, and the oldest remaining
      // segment must continue from one of those. (A log that starts at genesis lost nothing,
      // so this scan is only needed here.)
      std::map<std::string, std::uint64_t> retained_ends;
      for (const auto& segment : segments) {
        std::ifstream scan(dir + "/" + segment, std::ios::binary);
        for (std::string l; std::getline(scan, l);) {
          if (l.find("\"type\":\"retention\"") == std::string::npos) continue;
          const auto record = parse_json_bounded(l);
          if (record.is_discarded() || !record.contains("deleted")) continue;
          for (const auto& d : record["deleted"]) {
            retained_ends[d.value("last_hash", "")] = d.value("last_seq", std::uint64_t(0));
            ++v.segments_removed;
          }
        }
      }
      auto it = retained_ends.find(first.value("prev", ""));
      if (it == retained_ends.end() || it->second + 1 != first.value("seq", std::uint64_t(0))) {
        v.problem = segments.front() +
                    " line 1: the log does not start at its beginning and no "
                    "retention record names the segments before it — segments "
                    "deleted";
        return v;
      }
      prev = it->first;
      expected_seq = it->second + 1;
    }
  }
  const std::uint64_t first_seq = expected_seq;  // older records were removed by retention
  // The head file names the last record the agent synced: the log must reach it, with that hash.
  const auto head = read_evidence_head(dir);
  if (head && head->damaged) {
    v.problem = dir + "/head: not a head record — damaged";
    return v;
  }
  std::string head_hash_at_seq;
  for (std::size_t s = 0; s < segments.size(); ++s) {
    const std::string& segment = segments[s];
    std::ifstream in(dir + "/" + segment, std::ios::binary);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
      lines.push_back(std::move(line));
    std::uint64_t number = 0;
    std::uint64_t in_segment = 0;
    bool sealed = false;
    const std::vector<CheckedLine> checked = check_lines(lines, key, pubkey);
    for (const CheckedLine& c : checked) {
      ++number;
      // Where this record is, for a problem report: "SEGMENT line N (seq S): ".
      const auto where = [&] {
        return segment + " line " + std::to_string(c.number) +
               (c.has_seq ? " (seq " + std::to_string(c.seq) + ")" : "") + ": ";
      };
      if (c.problem == CheckedLine::Problem::not_json) {
        v.problem = where() + "not a JSON record — damaged";
        return v;
      }
      if (sealed) {
        v.problem =
            where() + "record after the segment's seal — records appended or segments joined";
        return v;
      }
      if (c.problem != CheckedLine::Problem::none) {
        v.problem = where() + line_problem_text(c.problem);
        return v;
      }
      const std::uint64_t seq = c.seq;
      const std::string& type = c.type;
      if (in_segment == 0 && ((type != "open" && type != "gap") || c.segment != segment)) {
        v.problem = where() +
                    "the segment does not begin with its own open record — segment "
                    "truncated at the start, renamed or swapped";
        return v;
      }
      if (type == "gap" && c.has_missing && c.missing_from == expected_seq &&
          c.missing_to + 1 == seq && c.prev == c.head_hash && c.missing_from <= c.missing_to) {
        // A restart found the log shorter than its head file: the agent named the missing seqs
        // and went on from the head. The chain is checked on both sides of the gap, but the
        // records in it are gone, and that is not intact.
        v.missing.push_back(
            "records missing: seq " + std::to_string(c.missing_from) + " to " +
            std::to_string(c.missing_to) + " (" +
            std::to_string(c.missing_to - c.missing_from + 1) +
            " record(s)) were removed from the end of the log before a restart; the agent "
            "found the log shorter than its head file and continued the chain from the head "
            "(seq " +
            std::to_string(c.missing_to) + ", hash " + c.head_hash + ") at " + segment + " line " +
            std::to_string(c.number));
      } else if (c.prev != prev || seq != expected_seq) {
        if (type == "open") {
          v.problem = where() + "the segment does not continue the previous one (seq " +
                      std::to_string(seq) + " where " + std::to_string(expected_seq) +
                      " was due) — a segment was deleted, truncated or swapped";
        } else if (seq > expected_seq) {
          // The missing record further on means the order changed; nowhere means it is gone.
          const bool later = std::any_of(
              lines.begin() + std::ptrdiff_t(number), lines.end(), [&](const std::string& l) {
                const auto r = parse_json_bounded(l);
                return r.is_object() && r.value("seq", std::uint64_t(0)) == expected_seq;
              });
          v.problem = where() + "seq " + std::to_string(seq) + " where " +
                      std::to_string(expected_seq) + " was due — " +
                      (later ? "records reordered" : "record(s) deleted");
        } else if (seq < expected_seq) {
          v.problem = where() + "seq " + std::to_string(seq) + " where " +
                      std::to_string(expected_seq) + " was due — records reordered or duplicated";
        } else {
          v.problem = where() +
                      "prev does not match the previous record's hash — records reordered "
                      "or replaced";
        }
        return v;
      }
      if (type == "seal") {
        if (c.records != in_segment || c.last != prev) {
          v.problem = where() + "the seal does not match the segment's records — records deleted";
          return v;
        }
        sealed = true;
      }
      if (type == "run") {
        ++v.runs;
        v.checks.insert(c.check);
      }
      if (type == "gap" && c.dropped > 0) {
        ++v.drop_gaps;
        v.dropped += c.dropped;
        if (v.dropped_from.empty() || c.dropped_from < v.dropped_from)
          v.dropped_from = c.dropped_from;
        v.dropped_to = std::max(v.dropped_to, c.dropped_to);
      }
      if (head && seq == head->seq) head_hash_at_seq = c.hash;
      v.has_head = true;
      v.head_seq = seq;
      v.head_hash = c.hash;
      v.head_segment = segment;
      if (v.first_time.empty()) v.first_time = c.time;
      v.last_time = c.time;
      if (type == "timestamp") {
        const std::string problem = timestamps.check(lines[c.number - 1], first_seq);
        if (!problem.empty()) {
          v.problem = where() + problem;
          return v;
        }
      }
      if (c.is_signed) {
        timestamps.signed_record(seq, c.hash, c.time);
        ++v.signed_records;
        v.last_signed_seq = seq;
        v.last_signed_time = c.time;
        v.unsigned_tail = 0;
      } else if (type != "timestamp") {  // a token vouches for itself, by its authority
        ++v.unsigned_tail;
      }
      prev = c.hash;
      expected_seq = seq + 1;
      ++in_segment;
      ++v.records;
    }
    if (in_segment == 0) {
      v.problem = segment + ": empty segment — truncated";
      return v;
    }
    if (!sealed && s + 1 < segments.size()) {
      v.problem = segment + " line " + std::to_string(number) +
                  ": the segment ends without a seal — truncated or records deleted at its end";
      return v;
    }
    ++v.segments;
  }
  const std::string log_end = v.has_head ? "seq " + std::to_string(v.head_seq) : "no record";
  if (head) {
    v.head_file = true;
    v.head_file_seq = head->seq;
    if (!v.has_head || v.head_seq < head->seq) {
      v.problem = "records removed from the end: the log ends at " + log_end +
                  ", its head file says " + std::to_string(head->seq) +
                  (head->segment.empty() ? "" : " (in " + head->segment + ")");
      return v;
    }
    if (head->seq >= first_seq && head_hash_at_seq != head->hash) {
      v.problem = "the log's record at seq " + std::to_string(head->seq) +
                  " has another hash than its head file names — the log was rewritten from "
                  "there on";
      return v;
    }
  }
  if (min_seq && (!v.has_head || v.head_seq < *min_seq)) {
    v.problem = "records removed from the end: the log ends at " + log_end + ", before seq " +
                std::to_string(*min_seq) + " (--min-seq: a head known from elsewhere)";
    return v;
  }
  if (pubkey && v.signed_records == 0) {
    v.problem =
        "no record is signed: nothing proves who wrote this log (is "
        "evidence.signing_key_file set?)";
    return v;
  }
  v.timestamps = timestamps.tokens();
  v.timestamps_checked = timestamps.signatures_checked();
  v.timestamped_seq = timestamps.covered_seq();
  v.timestamped_time = timestamps.covered_time();
  if (tsa && v.timestamps == 0) {
    v.problem =
        "no trusted timestamp: nothing proves when this log was written (is "
        "evidence.timestamp_url set?)";
    return v;
  }
  if (!v.missing.empty()) {
    v.problem = v.missing.front();
    return v;
  }
  v.intact = true;
  return v;
}

}  // namespace campus
