#include "runtime/result_store.h"

#include <algorithm>

namespace campus {

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
  }
  return "unverified";
}

int metric_value(IndicatorStatus status) {
  switch (status) {
    case IndicatorStatus::met:
      return 1;
    case IndicatorStatus::failing:
      return 0;
    case IndicatorStatus::unverified:
      return -1;
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
  if (policy == IndicatorPolicy::all) {
    if (failing > 0) return IndicatorStatus::failing;
    if (passing == std::ptrdiff_t(standings.size())) return IndicatorStatus::met;
    return IndicatorStatus::unverified;  // some checks have not run yet
  }
  if (passing > 0) return IndicatorStatus::met;
  if (failing == std::ptrdiff_t(standings.size())) return IndicatorStatus::failing;
  return IndicatorStatus::unverified;
}

void ResultStore::set_config(std::shared_ptr<const Config> config) {
  config_ = std::move(config);
  std::map<std::string, CheckState> kept;
  for (const auto& check : config_->checks) {
    auto it = states_.find(check->id);
    if (it != states_.end()) kept.emplace(check->id, std::move(it->second));
  }
  states_ = std::move(kept);
  by_indicator_.clear();
  for (const auto& check : config_->checks) {
    for (const auto& id : check->indicators)
      by_indicator_[id].push_back(check);
  }
  auto forget = [&](std::deque<std::shared_ptr<const RunRecord>>& records) {
    std::erase_if(records, [&](const auto& r) { return !config_->find_check(r->check->id); });
  };
  forget(recent_failures_);
  forget(recent_successes_);
}

void ResultStore::record(std::shared_ptr<const RunRecord> record) {
  auto& state = states_[record->check->id];
  ++state.runs;
  const bool passed = record->result.verdict == Verdict::pass;
  if (passed) {
    ++state.passes;
    state.consecutive_failures = 0;
    state.ever_passed = true;
  } else {
    ++state.consecutive_failures;
  }
  // The state keeps a summary of the latest run; full records (evidence, phases, step log) are
  // kept for the most recent runs only, so memory does not grow with the number of checks times
  // the size of their evidence.
  RunRecord summary;
  summary.check = record->check;
  summary.started = record->started;
  summary.attempts = record->attempts;
  summary.result.verdict = record->result.verdict;
  summary.result.kind = record->result.kind;
  summary.result.reason = record->result.reason;
  summary.result.duration = record->result.duration;
  state.last = std::make_shared<const RunRecord>(std::move(summary));
  auto& recent = passed ? recent_successes_ : recent_failures_;
  recent.push_front(std::move(record));
  if (recent.size() > recent_limit_) recent.pop_back();
}

const CheckState* ResultStore::state(const std::string& check_id) const {
  auto it = states_.find(check_id);
  return it == states_.end() ? nullptr : &it->second;
}

std::vector<IndicatorView> ResultStore::indicators(const Catalog& catalog, Edition edition) const {
  std::vector<IndicatorView> out;
  if (const auto* ed = catalog.edition(edition)) {
    for (const auto& indicator : ed->indicators)
      out.push_back(view(indicator));
  }
  return out;
}

IndicatorView ResultStore::view(const Indicator& indicator) const {
  IndicatorView view;
  view.indicator = &indicator;
  std::vector<CheckStanding> standings;
  if (config_) view.policy = config_->policy_of(indicator.id);
  if (auto it = by_indicator_.find(indicator.id); it != by_indicator_.end()) {
    for (const auto& check : it->second) {
      view.checks.push_back(check->id);
      const auto* state = this->state(check->id);
      const auto standing = state ? state->standing(check->fail_after) : CheckStanding::pending;
      standings.push_back(standing);
      view.passing += standing == CheckStanding::passing;
      view.failing += standing == CheckStanding::failing;
      view.pending += standing == CheckStanding::pending;
    }
  }
  view.status = combine(view.policy, standings);
  return view;
}

}  // namespace campus
