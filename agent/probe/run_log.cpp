#include "probe/run_log.h"

#include <cstdio>

namespace campus {

void RunLog::add(std::string line) {
  if (lines_.size() >= max_lines_) {
    ++dropped_;
    return;
  }
  lines_.emplace_back(std::chrono::steady_clock::now() - start_, std::move(line));
}

std::string RunLog::text() const {
  std::string out;
  for (const auto& [elapsed, line] : lines_) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%8.1fms  ",
                  std::chrono::duration<double, std::milli>(elapsed).count());
    out += stamp + line + '\n';
  }
  if (dropped_ > 0) out += "(" + std::to_string(dropped_) + " more lines dropped)\n";
  return out;
}

}  // namespace campus
