#pragma once
// The recent results kept for the status page and /api: failures apart from successes, so that a
// flood of passes does not push the interesting runs out, and for each check the step logs of
// its most recent failing runs, so that a failure at 3 a.m. still explains itself at 9. Each
// check's latest runs in brief feed the status page's sparklines.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/strings.h"
#include "pipeline/result_pipeline.h"

namespace campus {

/// One run in brief: enough to draw a verdict and a duration, small enough to keep for every check.
struct RunBrief {
  std::chrono::system_clock::time_point started;
  float duration_ms = 0;
  Verdict verdict = Verdict::pass;
};

/// A check's latest runs in a fixed ring: no allocation per run, 16 bytes a run.
class RunHistory {
 public:
  static constexpr std::size_t kCapacity = 20;
  void add(const RunBrief& brief);
  std::size_t size() const { return size_; }
  /// The `i`th run, oldest first.
  const RunBrief& operator[](std::size_t i) const {
    return ring_[(next_ + kCapacity - size_ + i) % kCapacity];
  }

 private:
  std::array<RunBrief, kCapacity> ring_{};
  std::uint8_t next_ = 0;
  std::uint8_t size_ = 0;
};

/// Not thread-safe: used on the io_context's thread only.
class ResultStore final : public ResultSink {
 public:
  /// Keeps `recent_per_kind` recent failures and as many successes, and the last
  /// `failures_per_check` failing runs (with their step logs) of each check.
  explicit ResultStore(std::size_t recent_per_kind = 100, std::size_t failures_per_check = 3)
      : recent_limit_(recent_per_kind), failures_per_check_(failures_per_check) {}

  void configure(const ConfigChange& change) override;
  void publish(const Publication& publication) override;

  using Records = std::deque<std::shared_ptr<const RunRecord>>;
  const Records& recent_failures() const { return recent_failures_; }
  const Records& recent_successes() const { return recent_successes_; }
  /// The most recent failing runs of `check_id`, newest first (empty when none).
  const Records& failures_of(std::string_view check_id) const;
  /// The latest runs of `check_id` in brief, oldest first (empty when it has not run).
  const RunHistory& history_of(std::string_view check_id) const;

 private:
  std::size_t recent_limit_;
  std::size_t failures_per_check_;
  Records recent_failures_;
  Records recent_successes_;
  std::unordered_map<std::string, Records, StringHash, std::equal_to<>> failures_by_check_;
  std::unordered_map<std::string, RunHistory, StringHash, std::equal_to<>> history_by_check_;
};

}  // namespace campus
