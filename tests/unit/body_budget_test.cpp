// The process-wide response body budget and the agent keys that size the agent's resources.

#include "core/body_budget.h"

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"

namespace campus::body_budget_test {

TEST_CASE("body reservations take from one budget and give back when they end") {
  BodyBudget budget(1000);
  {
    BodyReservation a(budget);
    BodyReservation b(budget);
    CHECK(a.hold_at_least(600));
    CHECK(budget.in_use() == 600);
    CHECK_FALSE(b.hold_at_least(500));  // 1,100 would be over
    CHECK(b.refused());
    CHECK(budget.in_use() == 600);
    CHECK(b.hold_at_least(400));
    CHECK(a.hold_at_least(300));  // already held
    BodyReservation moved = std::move(a);
    CHECK(moved.held() == 600);
    CHECK(budget.in_use() == 1000);
  }
  CHECK(budget.in_use() == 0);
  CHECK(budget.refusals() == 1);
  CHECK(budget.exhausted_reason() ==
        "response body budget exhausted: 1000 bytes buffered by runs in flight "
        "(agent.body_budget)");
}

TEST_CASE("append_body reserves the capacity the body buffer really takes, up to max_size") {
  BodyBudget budget(1 << 20);
  BodyReservation reservation(budget);
  std::string body;
  const std::string chunk(16 * 1024, 'x');
  for (int i = 0; i < 20; ++i)
    REQUIRE(append_body(body, chunk, 512 * 1024, reservation));
  CHECK(body.size() == 20 * chunk.size());
  CHECK(reservation.held() >= body.capacity());
  CHECK(reservation.held() <= 512 * 1024);
  CHECK(budget.in_use() == reservation.held());

  // Another body cannot grow past what is left.
  BodyReservation other(budget);
  std::string big;
  bool stopped = false;
  for (int i = 0; i < 200 && !stopped; ++i)
    stopped = !append_body(big, chunk, 4 << 20, other);
  CHECK(stopped);
  CHECK(other.refused());
  CHECK(budget.in_use() <= budget.limit());
  reservation.release();
  body.clear();
  CHECK(append_body(big, chunk, 4 << 20, other));  // room again
}

TEST_CASE("sizes are read and written in binary units") {
  CHECK(parse_bytes("268435456") == 268435456u);
  CHECK(parse_bytes("256MiB") == std::size_t(256) << 20);
  CHECK(parse_bytes("512 KiB") == 512u * 1024);
  CHECK(parse_bytes("2GiB") == std::size_t(2) << 30);
  CHECK_FALSE(parse_bytes("256MB"));
  CHECK_FALSE(parse_bytes("lots"));
  CHECK_FALSE(parse_bytes(""));
  CHECK(format_bytes(std::size_t(256) << 20) == "256 MiB");
  CHECK(format_bytes(1536 * 1024) == "1.5 MiB");
  CHECK(format_bytes(640 * 1024) == "640 KiB");
  CHECK(format_bytes(100) == "100 bytes");
}

TEST_CASE("agent.max_connections and agent.body_budget are read and checked") {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes = ProbeRegistry::builtin();
  const auto load = [&](const std::string& agent, Diagnostics& d) {
    return load_plan_text(
        "campus.yaml",
        "agent: {" + agent + "}\nchecks:\n  - {id: a, probe: tcp, target: \"127.0.0.1:1\"}\n",
        {catalog}, probes, d);
  };
  Diagnostics defaults;
  auto plan = load("concurrency: 4", defaults);
  REQUIRE_MESSAGE(plan, defaults.str());
  CHECK(plan->config->agent.max_connections == 0);  // derived from the open-files limit
  CHECK(plan->config->agent.body_budget == std::size_t(256) << 20);

  Diagnostics set;
  plan = load("max_connections: 100, body_budget: 64MiB", set);
  REQUIRE_MESSAGE(plan, set.str());
  CHECK(plan->config->agent.max_connections == 100);
  CHECK(plan->config->agent.body_budget == std::size_t(64) << 20);

  Diagnostics bad;
  CHECK_FALSE(load("max_connections: 0, body_budget: 10KiB", bad));
  CHECK(bad.str().find("agent.max_connections") != std::string::npos);
  CHECK(bad.str().find("agent.body_budget: expected a size of at least 1MiB") != std::string::npos);
}

}  // namespace campus::body_budget_test
