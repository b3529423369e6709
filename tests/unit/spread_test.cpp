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
  CHECK(spread_offset("sso-cas-login", interval) == spread_offset("sso-cas-login", interval));
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
