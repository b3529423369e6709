#pragma once
// The step log of one run: what the probe did, in words, shown by `probe --debug` and
// `/probe?debug=true`, and kept with a failing scheduled run so that the failure explains itself
// later. Bounded so a chatty probe cannot grow memory, and kept in one buffer so that logging a
// line costs no allocation in the common case: most runs' logs are never shown.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace campus {

class RunLog {
 public:
  /// How much a run logs. `steps`: what the probe did, step by step (scheduled runs, whose log
  /// is read only when they fail); `full`: also per-line detail such as every response header
  /// (on-demand runs, whose debug output shows it).
  enum class Detail { off, steps, full };

  /// A log that keeps nothing.
  static RunLog off() { return RunLog(0, Detail::off); }

  explicit RunLog(std::size_t max_lines = 200, Detail detail = Detail::full)
      : max_lines_(max_lines), enabled_(detail != Detail::off), verbose_(detail == Detail::full) {}

  /// Whether lines are kept: callers test it before computing an expensive line.
  bool enabled() const { return enabled_; }
  /// Whether per-line detail (headers, every field) is wanted as well as the steps.
  bool verbose() const { return verbose_; }

  /// Adds one line made of `parts` (anything convertible to std::string_view), stamped with the
  /// time since the run started.
  template <typename... Parts>
  void add(const Parts&... parts) {
    if (!enabled_) return;
    if (lines_.size() >= max_lines_) {
      ++dropped_;
      return;
    }
    lines_.push_back({std::chrono::steady_clock::now() - start_, text_.size()});
    (text_.append(std::string_view(parts)), ...);
    text_ += '\n';
  }

  std::size_t size() const { return lines_.size(); }
  std::size_t dropped() const { return dropped_; }
  /// All lines with their stamps, and a note if some were dropped.
  std::string text() const;

 private:
  struct Line {
    std::chrono::steady_clock::duration elapsed;
    std::size_t offset;  // into text_
  };
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::size_t max_lines_;
  bool enabled_;
  bool verbose_;
  std::size_t dropped_ = 0;
  std::vector<Line> lines_;
  std::string text_;  // the lines' text, each ending in '\n'
};

}  // namespace campus
