#include "core/duration.h"

#include <doctest/doctest.h>

using campus::format_duration;
using campus::parse_duration;
using namespace std::chrono_literals;

TEST_CASE("durations parse in every unit and in combinations") {
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("10s") == 10s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("1h") == 1h);
  CHECK(parse_duration("400d") == std::chrono::hours(24 * 400));
  CHECK(parse_duration("1m30s") == 90s);
  CHECK(parse_duration("0s") == 0ms);
}

TEST_CASE("malformed durations are refused") {
  for (const char* bad :
       {"", "10", "s", "10 s", "-5s", "1.5s", "10sec", "5m10", "99999999999999d"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("durations format in their shortest exact unit") {
  CHECK(format_duration(10s) == "10s");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(5min) == "5m");
  CHECK(format_duration(std::chrono::hours(48)) == "2d");
  CHECK(format_duration(0ms) == "0ms");
}

TEST_CASE("durations over a century are refused instead of overflowing") {
  CHECK(campus::parse_duration("36600d"));
  CHECK_FALSE(campus::parse_duration("36601d"));
  CHECK_FALSE(campus::parse_duration("200000d"));
  CHECK_FALSE(campus::parse_duration("106752d"));
  CHECK_FALSE(campus::parse_duration("99999999999999999h"));
  CHECK_FALSE(campus::parse_duration("36000d36000d"));
}
