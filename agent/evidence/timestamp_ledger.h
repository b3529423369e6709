#pragma once
// What the verifier needs to judge `timestamp` records as it walks the chain: the signed records
// seen so far, and each token checked against the checkpoint it names.

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "core/duration.h"
#include "evidence/timestamp.h"

namespace campus {

class TimestampLedger {
 public:
  /// `trust` checks the TSA's signatures too; `max_delay` bounds how long after its checkpoint a
  /// token may have been taken (a rewritten chain time-stamped again shows as tokens taken long
  /// after the records they cover).
  TimestampLedger(const TsaTrust* trust, Duration max_delay)
      : trust_(trust), max_delay_(max_delay) {}

  /// A signed record (seal or checkpoint) of the chain.
  void signed_record(std::uint64_t seq, const std::string& hash, const std::string& time);
  /// Checks the `timestamp` record `line` (seq `seq`); returns the problem, empty when good.
  /// `first_seq` is the first seq still in the log (retention may have removed older ones).
  std::string check(const std::string& line, std::uint64_t first_seq);

  std::uint64_t tokens() const { return tokens_; }
  bool signatures_checked() const { return trust_ != nullptr; }
  /// The newest checkpoint a token covers, and when the authority said it existed.
  std::uint64_t covered_seq() const { return covered_seq_; }
  const std::string& covered_time() const { return covered_time_; }

 private:
  struct Point {
    std::string hash;
    std::string time;
  };
  const TsaTrust* trust_;
  Duration max_delay_;
  std::unordered_map<std::uint64_t, Point> signed_;
  std::uint64_t tokens_ = 0;
  std::uint64_t covered_seq_ = 0;
  std::string covered_time_;
};

}  // namespace campus
