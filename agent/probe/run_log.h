#pragma once
// The step log of one run: what the probe did, in words, shown by `probe --debug` and
// `/probe?debug=true`. Bounded so a chatty probe cannot grow memory.

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace campus {

class RunLog {
 public:
  explicit RunLog(std::size_t max_lines = 200) : max_lines_(max_lines) {}

  /// Adds one line, stamped with the time since the run started.
  void add(std::string line);
  std::size_t size() const { return lines_.size(); }
  std::size_t dropped() const { return dropped_; }
  /// All lines joined with newlines, and a note if some were dropped.
  std::string text() const;

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::size_t max_lines_;
  std::size_t dropped_ = 0;
  // Stamps are formatted only when the log is shown: most runs' logs never are.
  std::vector<std::pair<std::chrono::steady_clock::duration, std::string>> lines_;
};

}  // namespace campus
