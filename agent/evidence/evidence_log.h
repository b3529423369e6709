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

#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "config/config.h"
#include "core/logger.h"
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
    std::size_t queue_capacity = 1 << 16;
    /// Segments whose every record is older than this are deleted, oldest first, and a
    /// `retention` record names them.
    std::optional<Duration> retain;
    /// Called on the writer thread once a signed record (seal or checkpoint) is on disk: where a
    /// trusted timestamp can be taken. Must not block.
    std::function<void(const SignedPoint&)> on_signed;
    /// The wall clock; replaceable in tests.
    std::function<std::chrono::system_clock::time_point()> clock = [] {
      return std::chrono::system_clock::now();
    };
  };

  /// Opens the log in options.dir, continuing the chain of what is there. A torn last line
  /// (from a crash mid-write) is moved to `<segment>.torn` and a `repair` record says so.
  /// Throws EvidenceError when the directory or its last segment cannot be used.
  EvidenceLog(Options options, prometheus::Registry& registry, Logger& log);
  /// Writes what is queued, then stops the writer.
  ~EvidenceLog();
  EvidenceLog(const EvidenceLog&) = delete;
  EvidenceLog& operator=(const EvidenceLog&) = delete;

  /// Queues a record: any members but seq, prev, hash and mac (set by the writer); `time` is
  /// set now if absent. Returns false, counting a drop, when the queue is full: the disk cannot
  /// keep up.
  bool append(nlohmann::json record);
  /// Waits until everything queued before the call is written (and synced per the policy).
  void flush();

  const std::string& dir() const { return options_.dir; }
  const std::optional<std::string>& key() const { return options_.key; }

 private:
  void recover();
  void open_segment(const std::string& day, int number, const std::string& reason);
  void write_record(nlohmann::json record);
  void flush_buffer();
  void sync();
  void writer_loop();
  void rotate_if_needed(const std::string& day);
  void apply_retention();
  /// Writes a signed checkpoint when one is due (always at `closing` if records came since).
  void checkpoint_if_due(bool closing);

  Options options_;
  Logger& log_;
  prometheus::Counter& records_;
  prometheus::Counter& write_errors_;
  prometheus::Counter& dropped_;
  prometheus::Gauge& segment_bytes_;

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
  std::uint64_t queued_total_ = 0;
  std::uint64_t written_total_ = 0;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace campus
