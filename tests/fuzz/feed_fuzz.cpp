// Fuzz target: event feeds. The input is a log file, read from its end as Suricata's eve.json
// and as a syslog file (through an in-memory file, so nothing touches the disk); each of its
// lines is also read as a timestamp in every format, and as an MQTT message's JSON payload.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "feed/feed_file.h"
#include "feed/feed_time.h"

namespace {

using campus::feed::TimePoint;

// 2026-11-28T07:00:00Z, a fixed present so that every run reads the same.
const TimePoint kFeedNow{std::chrono::seconds(1795849200)};
const std::chrono::minutes kFeedZone{480};

void read_as_file(std::string_view bytes) {
  static const int fd = memfd_create("campus-feed-fuzz", MFD_CLOEXEC);
  if (fd < 0) return;
  if (::ftruncate(fd, 0) != 0) return;
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::pwrite(fd, bytes.data() + written, bytes.size() - written, off_t(written));
    if (n <= 0) return;
    written += std::size_t(n);
  }
  campus::feed::FileQuery query;
  query.path = "/proc/self/fd/" + std::to_string(fd);
  query.now = kFeedNow;
  query.zone = kFeedZone;
  for (const auto format : {campus::feed::FileFormat::eve, campus::feed::FileFormat::syslog}) {
    query.format = format;
    query.event_type.reset();
    query.window_start.reset();
    (void)campus::feed::read_file_events(query);
    query.event_type = "alert";
    query.window_start = kFeedNow - std::chrono::hours(1);
    (void)campus::feed::read_file_events(query);
  }
}

void read_as_line(std::string_view line) {
  using campus::feed::TimeFormat;
  for (const auto format : {TimeFormat::automatic, TimeFormat::rfc3339, TimeFormat::epoch_seconds,
                            TimeFormat::epoch_milliseconds, TimeFormat::local}) {
    (void)campus::feed::parse_time(line, format, kFeedZone);
  }
  (void)campus::feed::parse_syslog_time(line, kFeedZone, kFeedNow);
  (void)campus::feed::zone_offset(line);
  const auto json = nlohmann::json::parse(line, nullptr, false);
  if (json.is_discarded()) return;
  for (const char* pointer : {"/timestamp", "/data/*/time", "/*"}) {
    for (const nlohmann::json* value : campus::feed::select_values(json, pointer)) {
      (void)campus::feed::parse_json_time(*value, TimeFormat::automatic, kFeedZone);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  read_as_file(input);
  std::size_t start = 0;
  while (start <= input.size()) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    read_as_line(input.substr(start, end - start));
    start = end + 1;
  }
  return 0;
}
