#pragma once
// The newest events of a log file, read from its end without reading it whole: Suricata's
// eve.json, syslog files, or just the file's modification time. A file rotated a moment ago is
// empty; its predecessor (FILE.1) is read then.

#include <optional>
#include <string>

#include "feed_time.h"

namespace campus::feed {

enum class FileFormat { eve, syslog, mtime };

struct FileQuery {
  std::string path;
  FileFormat format = FileFormat::eve;
  std::optional<std::string> event_type;  ///< eve.json: only events of this type (e.g. alert)
  std::chrono::minutes zone{480};
  TimePoint now;
  std::optional<TimePoint> window_start;  ///< count events since then
  std::size_t max_scan_bytes = 4 << 20;   ///< how far back to look
};

struct FileEvents {
  std::optional<TimePoint> newest;
  std::size_t in_window = 0;
  std::size_t lines_scanned = 0;
  std::size_t lines_unreadable = 0;  ///< lines whose timestamp could not be read
  std::string file;                  ///< the file the newest event came from
  std::string error;                 ///< set when the file cannot be read at all
};

/// Blocking file reads: call it off the event loop.
FileEvents read_file_events(const FileQuery& query);

}  // namespace campus::feed
