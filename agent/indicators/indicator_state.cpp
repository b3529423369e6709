#include "indicators/indicator_state.h"

#include <algorithm>

namespace campus {

std::string_view to_string(CheckStanding standing) {
  switch (standing) {
    case CheckStanding::passing:
      return "passing";
    case CheckStanding::failing:
      return "failing";
    case CheckStanding::pending:
      return "pending";
  }
  return "pending";
}

CheckStanding CheckState::standing(int fail_after) const {
  if (!last) return CheckStanding::pending;
  if (consecutive_failures >= fail_after) return CheckStanding::failing;
  if (consecutive_failures == 0 || ever_passed) return CheckStanding::passing;
  return CheckStanding::pending;  // failing, but not yet often enough to count
}

std::string_view to_string(IndicatorStatus status) {
  switch (status) {
    case IndicatorStatus::met:
      return "met";
    case IndicatorStatus::failing:
      return "failing";
    case IndicatorStatus::unverified:
      return "unverified";
    case IndicatorStatus::waived:
      return "waived";
    case IndicatorStatus::attested:
      return "attested";
  }
  return "unverified";
}

std::string_view to_string(IndicatorPolicy policy) {
  switch (policy) {
    case IndicatorPolicy::all:
      return "all";
    case IndicatorPolicy::any:
      return "any";
    case IndicatorPolicy::checks_and_attestation:
      return "checks_and_attestation";
  }
  return "all";
}

std::string_view to_string(IndicatorBasis basis) {
  switch (basis) {
    case IndicatorBasis::none:
      return "none";
    case IndicatorBasis::checks:
      return "checks";
    case IndicatorBasis::attestation:
      return "attestation";
    case IndicatorBasis::checks_and_attestation:
      return "checks_and_attestation";
    case IndicatorBasis::waiver:
      return "waiver";
  }
  return "none";
}

int metric_value(IndicatorStatus status) {
  switch (status) {
    case IndicatorStatus::met:
      return 1;
    case IndicatorStatus::failing:
      return 0;
    case IndicatorStatus::unverified:
      return -1;
    case IndicatorStatus::waived:
      return -2;
    case IndicatorStatus::attested:
      return 2;
  }
  return -1;
}

IndicatorStatus combine(IndicatorPolicy policy, const std::vector<CheckStanding>& standings) {
  if (standings.empty()) return IndicatorStatus::unverified;
  const auto count = [&](CheckStanding s) {
    return std::count(standings.begin(), standings.end(), s);
  };
  const auto passing = count(CheckStanding::passing);
  const auto failing = count(CheckStanding::failing);
  if (policy != IndicatorPolicy::any) {
    if (failing > 0) return IndicatorStatus::failing;
    if (passing == std::ptrdiff_t(standings.size())) return IndicatorStatus::met;
    return IndicatorStatus::unverified;  // some checks have not run yet
  }
  if (passing > 0) return IndicatorStatus::met;
  if (failing == std::ptrdiff_t(standings.size())) return IndicatorStatus::failing;
  return IndicatorStatus::unverified;
}

IndicatorDecision decide(IndicatorPolicy policy, const std::vector<CheckStanding>& standings,
                         bool mapped, bool attested, bool waived) {
  // Waived outright, or every check that proves it is: never shown as met.
  if (waived || (mapped && standings.empty()))
    return {IndicatorStatus::waived, IndicatorBasis::waiver};
  const auto from_checks = combine(policy, standings);
  if (policy == IndicatorPolicy::checks_and_attestation) {
    // Both are required: passing checks without a valid attestation prove only half of it.
    const auto status = from_checks == IndicatorStatus::met && !attested
                            ? IndicatorStatus::unverified
                            : from_checks;
    return {status, IndicatorBasis::checks_and_attestation};
  }
  if (mapped) return {from_checks, IndicatorBasis::checks};
  if (attested) return {IndicatorStatus::attested, IndicatorBasis::attestation};
  return {IndicatorStatus::unverified, IndicatorBasis::none};
}

void IndicatorState::set_config(std::shared_ptr<const Config> config,
                                const std::unordered_set<std::string_view>& same) {
  config_ = std::move(config);
  decltype(states_) kept;
  kept.reserve(config_->checks.size());
  for (const auto& check : config_->checks) {
    auto it = states_.find(check->id);
    if (it != states_.end() && same.count(check->id))
      kept.emplace(check->id, std::move(it->second));
  }
  states_ = std::move(kept);
  by_indicator_.clear();
  for (const auto& check : config_->checks) {
    for (const auto& id : check->indicators)
      by_indicator_[id].push_back(check.get());
  }
}

void IndicatorState::record(const CheckSpec& check, const LastRun& run) {
  auto& state = states_[check.id];
  ++state.runs;
  if (run.verdict == Verdict::pass) {
    ++state.passes;
    state.consecutive_failures = 0;
    state.ever_passed = true;
  } else {
    ++state.consecutive_failures;
  }
  state.last = run;
}

void IndicatorState::set_in_window(const CheckSpec& check, bool in_window) {
  states_[check.id].in_window = in_window;
}

const CheckState* IndicatorState::check(std::string_view id) const {
  auto it = states_.find(id);
  return it == states_.end() ? nullptr : &it->second;
}

std::vector<IndicatorView> IndicatorState::indicators(Edition edition) const {
  std::vector<IndicatorView> out;
  if (const auto* ed = catalog_.edition(edition)) {
    out.reserve(ed->indicators.size());
    for (const auto& indicator : ed->indicators)
      out.push_back(view(indicator));
  }
  return out;
}

IndicatorView IndicatorState::view(const Indicator& indicator) const {
  IndicatorView view;
  view.indicator = &indicator;
  std::vector<CheckStanding> standings;
  if (config_) view.policy = config_->policy_of(indicator.id);
  const auto now = std::chrono::system_clock::now();
  bool any_check = false;
  if (auto it = by_indicator_.find(indicator.id); it != by_indicator_.end()) {
    for (const auto* check : it->second) {
      view.checks.push_back(check->id);
      any_check = true;
      // A waived check does not count, either way.
      if (config_ && config_->waiver_for_check(check->id, now)) continue;
      const auto* state = this->check(check->id);
      const auto standing = state ? state->standing(check->fail_after) : CheckStanding::pending;
      standings.push_back(standing);
      view.passing += standing == CheckStanding::passing;
      view.failing += standing == CheckStanding::failing;
      view.pending += standing == CheckStanding::pending;
    }
  }
  if (config_) {
    view.waiver = config_->waiver_for_indicator(indicator.id, now);
    view.attestation = config_->attestation_for(indicator.id, now);
  }
  const auto decision = decide(view.policy, standings, any_check, view.attestation != nullptr,
                               view.waiver != nullptr);
  view.status = decision.status;
  view.basis = decision.basis;
  return view;
}

std::vector<IndicatorView> IndicatorState::views_of(const CheckSpec& check) const {
  std::vector<IndicatorView> out;
  out.reserve(check.indicators.size());
  for (const auto& id : check.indicators) {
    if (const auto* indicator = catalog_.find(id)) out.push_back(view(*indicator));
  }
  return out;
}

}  // namespace campus
