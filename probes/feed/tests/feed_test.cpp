// Timestamps as feeds write them, and the newest events of log files read from their end.

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <doctest/doctest.h>

#include "feed/feed_file.h"
#include "feed/feed_time.h"

using namespace campus::feed;
using namespace std::chrono;

namespace {

const minutes kShanghai{480};

std::int64_t epoch(const std::optional<TimePoint>& t) {
  REQUIRE(t);
  return duration_cast<seconds>(t->time_since_epoch()).count();
}

// 2026-11-28T07:00:00Z
constexpr std::int64_t kSeven = 1795849200;

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& content) {
    char pattern[] = "/tmp/campus-feed-XXXXXX";
    const int fd = mkstemp(pattern);
    ::close(fd);
    path = pattern;
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() {
    std::filesystem::remove(path);
    std::filesystem::remove(path + ".1");
  }
};

}  // namespace

TEST_CASE("RFC 3339, Suricata offsets, epoch numbers and local times parse to the same instant") {
  CHECK(epoch(parse_time("2026-11-28T07:00:00Z", TimeFormat::automatic, kShanghai)) == kSeven);
  CHECK(epoch(parse_time("2026-11-28T15:00:00+08:00", TimeFormat::rfc3339, kShanghai)) == kSeven);
  CHECK(epoch(parse_time("2026-11-28T15:00:00.123456+0800", TimeFormat::automatic, kShanghai)) ==
        kSeven);
  CHECK(epoch(parse_time("2026-11-28 15:00:00", TimeFormat::automatic, kShanghai)) == kSeven);
  CHECK(epoch(parse_time("2026-11-28 07:00:00", TimeFormat::local, minutes(0))) == kSeven);
  CHECK(epoch(parse_time("1795849200", TimeFormat::automatic, kShanghai)) == kSeven);
  CHECK(epoch(parse_json_time(nlohmann::json(1795849200000), TimeFormat::automatic, kShanghai)) ==
        kSeven);
  CHECK(epoch(parse_json_time(nlohmann::json(1795849200), TimeFormat::epoch_seconds, kShanghai)) ==
        kSeven);
  CHECK_FALSE(parse_time("2026-11-28 15:00:00", TimeFormat::rfc3339, kShanghai));
  CHECK_FALSE(parse_time("yesterday", TimeFormat::automatic, kShanghai));
  CHECK_FALSE(parse_time("2026-13-28T07:00:00Z", TimeFormat::automatic, kShanghai));
  CHECK_FALSE(parse_json_time(nlohmann::json::array(), TimeFormat::automatic, kShanghai));
  CHECK(zone_offset("Asia/Shanghai") == kShanghai);
  CHECK(zone_offset("+05:30") == minutes(330));
  CHECK_FALSE(zone_offset("Europe/Berlin"));
}

TEST_CASE("syslog lines: RFC 5424, and RFC 3164 without a year") {
  const TimePoint now = TimePoint(seconds(kSeven + 60));
  CHECK(epoch(parse_syslog_time("<34>1 2026-11-28T07:00:00.003Z host app - - - x", kShanghai,
                                now)) == kSeven);
  CHECK(epoch(parse_syslog_time("Nov 28 15:00:00 host sshd[1]: x", kShanghai, now)) == kSeven);
  // A December line read on the first of January belongs to the year before.
  const TimePoint new_year = TimePoint(seconds(1798761600));  // 2027-01-01T00:00:00Z
  CHECK(epoch(parse_syslog_time("Dec 31 23:00:00 host x", minutes(0), new_year)) == 1798758000);
  CHECK_FALSE(parse_syslog_time("garbage line", kShanghai, now));
}

TEST_CASE("a JSON pointer with * collects every element") {
  const auto doc = nlohmann::json::parse(
      R"({"data":[{"time":"a"},{"time":"b"},{"other":1}],"meta":{"x/y":{"z":2}}})");
  CHECK(select_values(doc, "/data/*/time").size() == 2);
  CHECK(*select_values(doc, "/data/1/time")[0] == "b");
  CHECK(*select_values(doc, "/meta/x~1y/z")[0] == 2);
  CHECK(select_values(doc, "/nothing/*").empty());
  CHECK(describe_age(seconds(200)) == "3m 20s");
  CHECK(describe_age(seconds(90000)) == "1d 1h");
}

TEST_CASE("eve.json: the newest event of a type, a torn last line skipped, window counts") {
  TempFile eve(
      "{\"timestamp\":\"2026-11-28T14:00:00.000000+0800\",\"event_type\":\"alert\"}\n"
      "not json at all\n"
      "{\"timestamp\":\"2026-11-28T14:50:00.000000+0800\",\"event_type\":\"alert\"}\n"
      "{\"timestamp\":\"2026-11-28T14:59:00.000000+0800\",\"event_type\":\"flow\"}\n"
      "{\"timestamp\":\"2026-11-28T15:00:00.0000");  // being written
  FileQuery q;
  q.path = eve.path;
  q.now = TimePoint(seconds(kSeven));
  auto any = read_file_events(q);
  CHECK(epoch(any.newest) == kSeven - 60);
  q.event_type = "alert";
  q.window_start = q.now - hours(1) + minutes(1);
  auto alerts = read_file_events(q);
  CHECK(epoch(alerts.newest) == kSeven - 600);
  CHECK(alerts.in_window == 1);
  CHECK(alerts.lines_unreadable == 1);
}

TEST_CASE("a file rotated a moment ago is empty: the newest event is in FILE.1") {
  TempFile current("");
  std::ofstream(current.path + ".1") << "Nov 28 15:00:00 host x\n";
  FileQuery q;
  q.path = current.path;
  q.format = FileFormat::syslog;
  q.now = TimePoint(seconds(kSeven + 10));
  const auto events = read_file_events(q);
  CHECK(epoch(events.newest) == kSeven);
  CHECK(events.file == current.path + ".1");
}

TEST_CASE("a large file is read from its end, not whole") {
  std::string content;
  for (int i = 0; i < 200000; ++i)
    content += "Nov 28 14:00:00 host filler line " + std::to_string(i) + "\n";
  content += "Nov 28 15:00:00 host newest\n";
  TempFile big(content);
  FileQuery q;
  q.path = big.path;
  q.format = FileFormat::syslog;
  q.now = TimePoint(seconds(kSeven + 10));
  const auto events = read_file_events(q);
  CHECK(epoch(events.newest) == kSeven);
  CHECK(events.lines_scanned == 1);
}
