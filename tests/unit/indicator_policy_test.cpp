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

TEST_CASE("the whole rule: waivers, attestations and checks_and_attestation") {
  using P = IndicatorPolicy;
  using St = IndicatorStatus;
  using B = IndicatorBasis;
  const auto is = [](IndicatorDecision d, St status, B basis) {
    return d.status == status && d.basis == basis;
  };
  // No check maps it: an attestation in force is the only way it is met, and it is attested.
  CHECK(is(decide(P::all, {}, false, true, false), St::attested, B::attestation));
  CHECK(is(decide(P::all, {}, false, false, false), St::unverified, B::none));
  // Checks decide an indicator they map, attested or not.
  CHECK(is(decide(P::all, {S::failing}, true, true, false), St::failing, B::checks));
  CHECK(is(decide(P::any, {S::passing}, true, false, false), St::met, B::checks));
  // Both required: passing checks without an attestation prove only half of it.
  CHECK(is(decide(P::checks_and_attestation, {S::passing}, true, false, false), St::unverified,
           B::checks_and_attestation));
  CHECK(is(decide(P::checks_and_attestation, {S::passing, S::passing}, true, true, false), St::met,
           B::checks_and_attestation));
  CHECK(is(decide(P::checks_and_attestation, {S::passing, S::failing}, true, true, false),
           St::failing, B::checks_and_attestation));
  CHECK(is(decide(P::checks_and_attestation, {}, false, true, false), St::unverified,
           B::checks_and_attestation));
  // A waiver wins over everything, and never shows as met.
  CHECK(is(decide(P::all, {S::passing}, true, true, true), St::waived, B::waiver));
  CHECK(is(decide(P::all, {}, true, false, false), St::waived, B::waiver));  // checks all waived
  CHECK(metric_value(St::attested) == 2);
}
