#include "probe/run_log.h"

#include <cstdio>

namespace campus {

std::string RunLog::text() const {
  std::string out;
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    const std::size_t end = i + 1 < lines_.size() ? lines_[i + 1].offset : text_.size();
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%8.1fms  ",
                  std::chrono::duration<double, std::milli>(lines_[i].elapsed).count());
    out += stamp;
    out.append(text_, lines_[i].offset, end - lines_[i].offset);
  }
  if (dropped_ > 0) out += "(" + std::to_string(dropped_) + " more lines dropped)\n";
  return out;
}

}  // namespace campus
