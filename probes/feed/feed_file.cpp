#include "feed_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json_parse.h"

namespace campus::feed {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::optional<TimePoint> line_time(std::string_view line, const FileQuery& q, bool& matches) {
  matches = true;
  if (q.format == FileFormat::syslog) return parse_syslog_time(line, q.zone, q.now);
  const auto json = parse_json_bounded(line);
  if (!json.is_object()) return std::nullopt;
  if (q.event_type && json.value("event_type", "") != *q.event_type) {
    matches = false;
    return std::nullopt;
  }
  const auto it = json.find("timestamp");
  if (it == json.end()) return std::nullopt;
  return parse_json_time(*it, TimeFormat::automatic, q.zone);
}

// Scans one file from its end; true when it found at least one event.
bool scan(const std::string& path, const FileQuery& q, FileEvents& out) {
  Fd file;
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd < 0) {
    out.error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) {
    out.error = "cannot stat " + path + ": " + std::strerror(errno);
    return false;
  }
  if (q.format == FileFormat::mtime) {
    out.newest = TimePoint(std::chrono::seconds(st.st_mtim.tv_sec) +
                           std::chrono::duration_cast<TimePoint::duration>(
                               std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    out.file = path;
    return true;
  }
  constexpr std::size_t kChunk = 64 * 1024;
  off_t end = st.st_size;
  std::string carry;  // the start of a line whose rest was read already
  std::size_t scanned = 0;
  bool first_line = true;
  bool found = false;
  while (end > 0 && scanned < q.max_scan_bytes) {
    const off_t start = end > off_t(kChunk) ? end - off_t(kChunk) : 0;
    std::string chunk(std::size_t(end - start), '\0');
    const ssize_t n = ::pread(file.fd, chunk.data(), chunk.size(), start);
    if (n <= 0) break;
    chunk.resize(std::size_t(n));
    scanned += chunk.size();
    std::string text = chunk + carry;
    // Lines from the newest; the first piece of the chunk may be incomplete (unless at 0).
    std::size_t line_end = text.size();
    while (true) {
      const std::size_t nl = line_end == 0 ? std::string::npos : text.rfind('\n', line_end - 1);
      if (nl == std::string::npos && start > 0) break;  // incomplete: wait for the next chunk
      const std::size_t line_start = nl == std::string::npos ? 0 : nl + 1;
      std::string_view line(text.data() + line_start, line_end - line_start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      const bool partial_tail = first_line && line_end == text.size() && !text.empty() &&
                                text.back() != '\n' && start + off_t(chunk.size()) == st.st_size;
      first_line = false;
      if (!line.empty() && !partial_tail) {
        ++out.lines_scanned;
        bool matches = true;
        const auto t = line_time(line, q, matches);
        if (t) {
          if (!out.newest || *t > *out.newest) out.newest = t;
          found = true;
          out.file = path;
          if (q.window_start && *t >= *q.window_start) ++out.in_window;
          if (!q.window_start || *t < *q.window_start) return true;
        } else if (matches) {
          ++out.lines_unreadable;
        }
      }
      if (nl == std::string::npos) break;
      line_end = nl;
    }
    carry = text.substr(0, line_end);
    end = start;
  }
  return found;
}

}  // namespace

FileEvents read_file_events(const FileQuery& query) {
  FileEvents out;
  if (scan(query.path, query, out)) return out;
  // Just rotated: the current file is empty or has no event yet.
  const std::string rotated = query.path + ".1";
  if (out.error.empty() && ::access(rotated.c_str(), R_OK) == 0) {
    FileEvents previous;
    previous.lines_scanned = out.lines_scanned;
    previous.lines_unreadable = out.lines_unreadable;
    scan(rotated, query, previous);
    if (previous.newest) return previous;
  }
  return out;
}

}  // namespace campus::feed
