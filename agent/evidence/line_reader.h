#pragma once
// The evidence log's lines as they are on disk, by seq, for replication (GET
// /api/evidence/lines): a copy made of these bytes verifies like the original. A request reads
// only what it returns (plus at most one index stride), not the whole log: each segment's first
// seq and a sparse index of line offsets are kept between requests.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace campus {

/// The seq of an evidence line: cheaply for a canonical line, by parsing otherwise; nullopt when
/// the line has none.
std::optional<std::uint64_t> evidence_line_seq(const std::string& line);

class EvidenceLineReader {
 public:
  explicit EvidenceLineReader(std::string dir) : dir_(std::move(dir)) {}

  struct Lines {
    std::string body;  ///< whole lines, each ending in '\n', seqs ascending
    std::uint64_t count = 0;
    std::optional<std::uint64_t> last_seq;
  };
  /// The lines with seq > `after` (from the log's first record when nullopt), in seq order across
  /// segments: at most `limit` lines, and no more once `max_bytes` is reached (one line at
  /// least). Only records the head file names as synced are served, so a copy never holds a
  /// record that a crash of the agent could still take back.
  Lines lines_after(std::optional<std::uint64_t> after, std::size_t limit, std::size_t max_bytes);

  struct Head {
    bool any = false;  ///< the log has a record
    std::uint64_t seq = 0;
    std::string hash;
    std::string segment;
    std::uint64_t first_seq = 0;  ///< the oldest record still in the log (retention)
  };
  /// The last synced record (the head file), and the first record still there.
  Head head();

 private:
  struct SegmentIndex {
    std::optional<std::uint64_t> first_seq;
    /// key: a seq; value: the offset of the first line whose seq is at least the key (every
    /// line before it has a smaller seq).
    std::map<std::uint64_t, std::uint64_t> offsets;
  };
  /// Segment name -> index, for the segments in the directory now.
  void refresh_segments();
  std::optional<std::uint64_t> first_seq_of(const std::string& segment, SegmentIndex& index);

  std::string dir_;
  std::mutex mutex_;  // requests run on several worker threads
  std::map<std::string, SegmentIndex> segments_;
};

}  // namespace campus
