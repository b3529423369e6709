#include <doctest/doctest.h>

#include "indicators/indicator_state.h"

using namespace campus;
using S = CheckStanding;

TEST_CASE("policy all: met only when every mapped check passes") {
  CHECK(combine(IndicatorPolicy::all, {}) == IndicatorStatus::unverified);
  CHECK(combine(IndicatorPolicy::all, {S::passing, S::passing}) == IndicatorStatus::met);
  CHECK(combine(IndicatorPolicy::all, {S::passing, S::failing}) == IndicatorStatus::failing);
  CHECK(combine(IndicatorPolicy::all, {S::passing, S::pending}) == IndicatorStatus::unverified);
  CHECK(combine(IndicatorPolicy::all, {S::pending, S::failing}) == IndicatorStatus::failing);
}

TEST_CASE("policy any: met when at least one mapped check passes") {
  CHECK(combine(IndicatorPolicy::any, {S::failing, S::passing}) == IndicatorStatus::met);
  CHECK(combine(IndicatorPolicy::any, {S::failing, S::failing}) == IndicatorStatus::failing);
  CHECK(combine(IndicatorPolicy::any, {S::failing, S::pending}) == IndicatorStatus::unverified);
}

TEST_CASE("fail_after keeps one blip from flipping a check") {
  CheckState state;
  LastRun pass;
  LastRun fail;
  fail.verdict = Verdict::fail;
  fail.kind = FailureKind::connect;
  CHECK(state.standing(3) == S::pending);
  state.last = pass;
  state.ever_passed = true;
  CHECK(state.standing(3) == S::passing);
  state.last = fail;
  state.consecutive_failures = 2;
  CHECK(state.standing(3) == S::passing);
  state.consecutive_failures = 3;
  CHECK(state.standing(3) == S::failing);
  CheckState fresh;
  fresh.last = fail;
  fresh.consecutive_failures = 1;
  CHECK(fresh.standing(3) == S::pending);
  CHECK(fresh.standing(1) == S::failing);
}
