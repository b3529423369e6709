#include "evidence/line_reader.h"

#include <filesystem>
#include <fstream>
#include <limits>

#include "core/json_parse.h"
#include "evidence/canonical_line.h"
#include "evidence/chain_follower.h"
#include "evidence/record.h"

namespace campus {
namespace {

// Every this many lines read, the index notes where a line starts.
constexpr std::uint64_t kIndexStride = 256;

}  // namespace

std::optional<std::uint64_t> evidence_line_seq(const std::string& line) {
  if (const auto canonical = read_canonical_line(line)) return canonical->seq;
  const auto record = parse_json_bounded(line);
  if (!record.is_object()) return std::nullopt;
  const auto it = record.find("seq");
  if (it == record.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

void EvidenceLineReader::refresh_segments() {
  std::map<std::string, SegmentIndex> now;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!is_segment_name(name)) continue;
    auto known = segments_.find(name);
    now[name] = known == segments_.end() ? SegmentIndex{} : std::move(known->second);
  }
  segments_ = std::move(now);  // segments deleted by retention drop out
}

std::optional<std::uint64_t> EvidenceLineReader::first_seq_of(const std::string& segment,
                                                              SegmentIndex& index) {
  if (index.first_seq) return index.first_seq;
  std::ifstream in(dir_ + "/" + segment, std::ios::binary);
  std::string line;
  if (!std::getline(in, line) || in.eof()) return std::nullopt;  // nothing whole yet
  index.first_seq = evidence_line_seq(line);
  if (index.first_seq) index.offsets[*index.first_seq] = 0;
  return index.first_seq;
}

EvidenceLineReader::Lines EvidenceLineReader::lines_after(std::optional<std::uint64_t> after,
                                                          std::size_t limit,
                                                          std::size_t max_bytes) {
  Lines out;
  std::lock_guard lock(mutex_);
  refresh_segments();
  const auto head_file = read_evidence_head(dir_);
  const std::uint64_t synced =
      head_file && !head_file->damaged ? head_file->seq : std::numeric_limits<std::uint64_t>::max();
  if (!head_file || head_file->damaged || (after && *after >= synced)) return out;
  const std::uint64_t target = after ? *after + 1 : 0;
  // The last segment that starts at or before the target (or the first, when retention removed
  // the records before it: the caller sees where the log starts now).
  auto start = segments_.begin();
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    const auto first = first_seq_of(it->first, it->second);
    if (!first || *first > target) break;
    start = it;
  }
  for (auto it = start; it != segments_.end(); ++it) {
    SegmentIndex& index = it->second;
    std::uint64_t offset = 0;
    if (auto known = index.offsets.upper_bound(target); known != index.offsets.begin()) {
      offset = std::prev(known)->second;
    }
    std::ifstream in(dir_ + "/" + it->first, std::ios::binary);
    in.seekg(std::streamoff(offset));
    std::uint64_t read = 0;
    for (std::string line; std::getline(in, line);) {
      if (in.eof()) return out;  // a line still being written
      const std::uint64_t line_offset = offset;
      offset += line.size() + 1;
      const auto seq = evidence_line_seq(line);
      if (seq && *seq > synced) return out;
      if (seq && read++ % kIndexStride == 0) index.offsets[*seq] = line_offset;
      if (seq && *seq < target) continue;
      // A line without a seq is damage: it is served as it is, and the copy refuses it.
      out.body += line;
      out.body += '\n';
      ++out.count;
      out.last_seq = seq;
      if (out.count >= limit || out.body.size() >= max_bytes) {
        // Where the next request most likely starts.
        if (seq) index.offsets[*seq + 1] = offset;
        return out;
      }
      if (!seq) return out;
    }
  }
  return out;
}

EvidenceLineReader::Head EvidenceLineReader::head() {
  Head head;
  std::lock_guard lock(mutex_);
  refresh_segments();
  const auto file = read_evidence_head(dir_);
  if (!file || file->damaged) return head;
  head.any = true;
  head.seq = file->seq;
  head.hash = file->hash;
  head.segment = file->segment;
  head.first_seq = file->seq;
  for (auto& [name, index] : segments_) {
    if (const auto first = first_seq_of(name, index)) {
      head.first_seq = *first;
      break;
    }
  }
  return head;
}

}  // namespace campus
