#pragma once
// The tamper-evident evidence log: one JSON line per probe run, hash-chained across segment
// files, optionally MACed, written by its own thread so that disk latency never reaches the
// event loop. docs/evidence-format.md describes the files.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "config/config.h"
#include "core/logger.h"
#include "evidence/record.h"
#include "evidence/signing.h"

namespace campus {

/// Why the log cannot be opened (unwritable directory, unusable key file, ...).
class EvidenceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads an HMAC key file; refuses one that others can read or that is shorter than 32 bytes.
std::string load_evidence_key(const std::string& path);

/// The file name of segment `number` of day `yyyymmdd`: evidence-YYYYMMDD-NNNN.jsonl.
std::string segment_name(const std::string& yyyymmdd, int number);

/// A signed record: its seq, hash (SHA-256, hex) and time.
struct SignedPoint {
  std::uint64_t seq = 0;
  std::string hash;
  std::string time;
};

/// Thread-safe: append() may be called from any thread.
class EvidenceLog {
 public:
  struct Options {
    std::string dir;
    std::optional<std::string> key;
    /// Signs every seal and periodic `checkpoint` record (Ed25519 over the record's hash).
    std::optional<SigningKey> signing_key;
    /// A checkpoint after this many records, or this long after the last one when records came
    /// since; and one when the log closes.
    std::uint64_t checkpoint_records = 1000;
    Duration checkpoint_interval = std::chrono::minutes(5);
    FsyncPolicy fsync = FsyncPolicy::interval;
    Duration fsync_interval = std::chrono::seconds(1);
    std::uint64_t segment_max_bytes = 64ull << 20;
    /// The backlog (records queued plus bytes written but not yet accepted by the disk) is
    /// bounded by both: beyond either, records are dropped, counted, and a `gap` record says so.
    std::size_t queue_capacity = 1 << 16;
    std::size_t backlog_max_bytes = 16u << 20;
    /// How often a failed write (a full disk) is tried again.
    Duration retry_interval = std::chrono::milliseconds(200);
    /// Segments whose every record is older than this are deleted, oldest first, and a
    /// `retention` record names them.
    std::optional<Duration> retain;
    /// Members every `open` record carries besides its own: where the agent probes from (`site`,
    /// `site_labels`), so that a segment tells its site on its first line.
    nlohmann::json open_members = nlohmann::json::object();
    /// Called on the writer thread once a signed record (seal or checkpoint) is on disk: where a
    /// trusted timestamp can be taken. Must not block.
    std::function<void(const SignedPoint&)> on_signed;
    /// The wall clock; replaceable in tests.
    std::function<std::chrono::system_clock::time_point()> clock = [] {
      return std::chrono::system_clock::now();
    };
  };

  /// Opens the log in options.dir, continuing the chain of what is there. A torn last line
  /// (from a crash mid-write) is moved to `<segment>.torn` and a `repair` record says so; records
  /// missing from the end (the log is shorter than its `head` file) are named in a `gap` record.
  /// Throws EvidenceError when the directory or its last segment cannot be used, or when a torn
  /// line cannot be set aside without losing it (a full disk).
  EvidenceLog(Options options, prometheus::Registry& registry, Logger& log);
  /// Writes what is queued, then stops the writer.
  ~EvidenceLog();
  EvidenceLog(const EvidenceLog&) = delete;
  EvidenceLog& operator=(const EvidenceLog&) = delete;

  /// Queues a record: any members but seq, prev, hash and mac (set by the writer); `time` is
  /// set now if absent. Returns false, counting a drop, when the queue is full: the disk cannot
  /// keep up.
  bool append(nlohmann::json record);
  /// Waits until everything queued before the call is written (and synced per the policy), but
  /// not past `deadline`: a full disk must not hang the caller. True when all of it is written.
  bool flush(std::chrono::steady_clock::time_point deadline);
  bool flush(Duration within = std::chrono::seconds(10)) {
    return flush(std::chrono::steady_clock::now() + within);
  }
  /// Records accepted by append() and not yet on disk.
  std::uint64_t pending();

  const std::string& dir() const { return options_.dir; }
  const std::optional<std::string>& key() const { return options_.key; }

 private:
  /// One line in buffer_: how long, and whether it counts for flush() (came from append()).
  struct PendingLine {
    std::size_t bytes = 0;
    bool appended = false;
    std::uint64_t seq = 0;
    std::string hash;
    std::string time;  // of an appended record, for a gap record should it be lost
  };
  void recover();
  void open_segment(const std::string& day, int number, const std::string& reason,
                    nlohmann::json first = nullptr);
  void write_record(nlohmann::json record, bool appended = false);
  /// Writes buffer_; true when all of it reached the file. A partial line is cut off again.
  bool flush_buffer();
  void sync();
  void write_head();
  /// At a stop with records that could not be written: notes them in the head file, in place
  /// (a full disk has no room for a new file), for the next start's `gap` record.
  void note_lost_in_head(std::uint64_t lost, const std::string& from, const std::string& to);
  void writer_loop();
  /// False when the disk refused the seal or the new segment: try again later.
  bool rotate_if_needed(const std::string& day);
  /// Opens the segment a seal already announced; false (and failing_) when it cannot be created.
  bool open_pending_segment();
  /// After a failed write: the buffer again, then a rotation left half done.
  void retry_writes();
  void apply_retention();
  /// Writes a signed checkpoint when one is due (always at `closing` if records came since).
  void checkpoint_if_due(bool closing);

  Options options_;
  Logger& log_;
  prometheus::Counter& records_;
  prometheus::Counter& write_errors_;
  prometheus::Counter& dropped_;
  prometheus::Gauge& segment_bytes_;
  prometheus::Gauge& head_seq_;

  // Writer state: touched by the writer thread only (and the constructor before it starts).
  int fd_ = -1;
  std::string segment_;
  std::string segment_day_;
  int segment_number_ = 0;
  std::uint64_t segment_size_ = 0;
  std::uint64_t segment_records_ = 0;
  std::uint64_t next_seq_ = 0;
  std::string prev_hash_ = std::string(64, '0');
  std::string buffer_;
  std::deque<PendingLine> buffer_lines_;
  bool failing_ = false;       // the last write failed: retry before taking more records
  bool torn_on_disk_ = false;  // a partial line is in the file and could not be cut off yet
  std::optional<std::pair<std::string, int>> rotation_pending_;  // sealed; the next to open
  std::string rotation_reason_;
  std::optional<EvidenceHead> written_head_;       // the last record in the file
  std::optional<EvidenceHead> synced_head_;        // ... and the last in the head file
  std::vector<nlohmann::json> pending_repairs_;    // found by recover(), written after it
  std::uint64_t since_checkpoint_ = 0;             // records written since the last signed record
  std::optional<SignedPoint> signed_unannounced_;  // the newest signed record, for on_signed
  std::chrono::steady_clock::time_point last_checkpoint_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_sync_ = std::chrono::steady_clock::now();
  bool dirty_ = false;

  // Shared with appenders.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable written_;
  std::deque<nlohmann::json> queue_;
  std::size_t queue_bytes_ = 0;
  std::size_t buffer_bytes_ = 0;  // the writer's unwritten buffer, for the backlog bound
  std::uint64_t queued_total_ = 0;
  std::uint64_t written_total_ = 0;  // of queued_total_: written, or given up at stop
  // Records dropped since the last gap record: how many, and the time range of their `time`.
  std::uint64_t dropped_pending_ = 0;
  std::string dropped_from_, dropped_to_;
  bool drop_logged_ = false;  // this episode of drops was logged; until its gap is on disk
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace campus
