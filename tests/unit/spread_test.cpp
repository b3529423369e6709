#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "runtime/scheduler.h"

using campus::Duration;
using campus::spread_offset;
using namespace std::chrono_literals;

TEST_CASE("first runs are spread over the interval, stably per check id") {
  const Duration interval = 60s;
  // FNV-1a over the id's UTF-8 bytes, from the offset basis 1469598103934665603 (as the code has
  // it, not the usual 14695981039346656037), then the hash modulo the interval in milliseconds.
  // Pinned, since a changed hash or mapping moves every deployed check to another slot.
  CHECK(spread_offset("", Duration::max()) == Duration(1469598103934665603));
  CHECK(spread_offset("sso-cas-login", Duration::max()) == Duration(8635765060616808503));
  CHECK(spread_offset("sso-cas-login", interval) == 44310ms);
  CHECK(spread_offset("sso-cas-login", 5min) == 284310ms);
  CHECK(spread_offset("check-0", interval) == 53304ms);
  CHECK(spread_offset("check-1", interval) == 41515ms);
  CHECK(spread_offset("门禁-刷卡", interval) == 5369ms);  // bytes above 0x7f taken unsigned
  CHECK(spread_offset("门禁-刷卡", Duration::max()) == Duration(5580134726012709562));
  CHECK(spread_offset("sso-cas-login", 1ms) == 0ms);
  CHECK(spread_offset("sso-cas-login", 0ms) == 0ms);  // no division by zero
  std::vector<int> buckets(10, 0);
  for (int i = 0; i < 1000; ++i) {
    const auto offset = spread_offset("check-" + std::to_string(i), interval);
    REQUIRE(offset >= 0ms);
    REQUIRE(offset < interval);
    ++buckets[std::size_t(offset / 6s)];
  }
  // 1,000 checks in ten 6-second slots: each slot gets roughly a hundred, none is empty or packed.
  for (int count : buckets) {
    CHECK(count > 60);
    CHECK(count < 140);
  }
}
