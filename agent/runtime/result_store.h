#pragma once
// The latest state of every check and, from it, of every indicator; plus the recent results
// kept for the status page and /api (failures apart from successes, so a flood of passes does not
// push the interesting runs out).

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "config/config.h"
#include "runtime/check_runner.h"

namespace campus {

/// How a check counts for its indicators, after `fail_after` smoothing.
enum class CheckStanding { pending, passing, failing };

struct CheckState {
  std::shared_ptr<const RunRecord> last;  ///< verdict, kind, reason, duration and time only
  int consecutive_failures = 0;
  bool ever_passed = false;
  std::uint64_t runs = 0;
  std::uint64_t passes = 0;

  CheckStanding standing(int fail_after) const;
};

enum class IndicatorStatus { met, failing, unverified };
std::string_view to_string(IndicatorStatus status);
/// The metric value: 1 met, 0 failing, -1 unverified.
int metric_value(IndicatorStatus status);

struct IndicatorView {
  const Indicator* indicator = nullptr;
  IndicatorStatus status = IndicatorStatus::unverified;
  IndicatorPolicy policy = IndicatorPolicy::all;
  std::vector<std::string> checks;  ///< ids of the checks mapped to it
  int passing = 0;
  int failing = 0;
  int pending = 0;
};

/// Not thread-safe: used on the io_context's thread only.
class ResultStore {
 public:
  explicit ResultStore(std::size_t recent_per_kind = 100) : recent_limit_(recent_per_kind) {}

  /// Keeps the state of checks still in `config`, forgets the rest.
  void set_config(std::shared_ptr<const Config> config);
  void record(std::shared_ptr<const RunRecord> record);

  const CheckState* state(const std::string& check_id) const;
  /// Every indicator of `edition`, in catalog order.
  std::vector<IndicatorView> indicators(const Catalog& catalog, Edition edition) const;
  /// One indicator; costs only as much as the checks mapped to it.
  IndicatorView view(const Indicator& indicator) const;

  const std::deque<std::shared_ptr<const RunRecord>>& recent_failures() const {
    return recent_failures_;
  }
  const std::deque<std::shared_ptr<const RunRecord>>& recent_successes() const {
    return recent_successes_;
  }

 private:
  std::shared_ptr<const Config> config_;
  std::map<std::string, CheckState> states_;
  std::map<std::string, std::vector<std::shared_ptr<const CheckSpec>>> by_indicator_;
  std::size_t recent_limit_;
  std::deque<std::shared_ptr<const RunRecord>> recent_failures_;
  std::deque<std::shared_ptr<const RunRecord>> recent_successes_;
};

/// The indicator rule on its own, for testing: `standings` are those of the mapped checks.
IndicatorStatus combine(IndicatorPolicy policy, const std::vector<CheckStanding>& standings);

}  // namespace campus
