#pragma once
// The state of every check (its latest run and failure streak) and, from it, of every key
// indicator: met, failing or unverified under the indicator's policy. One module that the
// metrics, the status page, /api/indicators and the compliance report all use.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "catalog/catalog.h"
#include "config/config.h"
#include "core/strings.h"
#include "probe/result.h"

namespace campus {

/// How a check counts for its indicators, after `fail_after` smoothing.
enum class CheckStanding { pending, passing, failing };
std::string_view to_string(CheckStanding standing);

/// `waived`: a waiver (`waivers:`) with a reason, an owner and an end date covers it; never met.
/// `attested`: no check proves it, people do (达标（人工确认）): a valid attestation is in force.
enum class IndicatorStatus { met, failing, unverified, waived, attested };
std::string_view to_string(IndicatorStatus status);
/// The metric value: 1 met, 0 failing, -1 unverified, -2 waived, 2 attested.
int metric_value(IndicatorStatus status);

std::string_view to_string(IndicatorPolicy policy);

/// What an indicator's status rests on.
enum class IndicatorBasis { none, checks, attestation, checks_and_attestation, waiver };
std::string_view to_string(IndicatorBasis basis);

/// The checks' rule on its own: `standings` are those of the checks mapped to the indicator.
IndicatorStatus combine(IndicatorPolicy policy, const std::vector<CheckStanding>& standings);

struct IndicatorDecision {
  IndicatorStatus status = IndicatorStatus::unverified;
  IndicatorBasis basis = IndicatorBasis::none;
};

/// The whole indicator rule, shared by the live state and the report: a waiver wins (never met);
/// under `checks_and_attestation` the checks must all pass and an attestation be in force;
/// otherwise the checks decide when any is mapped, and an attestation alone makes the indicator
/// attested when none is. `mapped` says whether any check is mapped (a check that is mapped but
/// waived leaves `standings` without it).
IndicatorDecision decide(IndicatorPolicy policy, const std::vector<CheckStanding>& standings,
                         bool mapped, bool attested, bool waived);

/// The latest run of a check, in brief.
struct LastRun {
  Verdict verdict = Verdict::pass;
  FailureKind kind = FailureKind::none;
  std::string reason;
  std::chrono::steady_clock::duration duration{};
  std::chrono::system_clock::time_point started;
  int attempts = 1;
};

struct CheckState {
  std::optional<LastRun> last;
  int consecutive_failures = 0;
  bool ever_passed = false;
  std::uint64_t runs = 0;
  std::uint64_t passes = 0;
  /// False while the check is outside its `active:` window (it does not run; its indicators
  /// keep the last verdict from inside the window).
  bool in_window = true;

  CheckStanding standing(int fail_after) const;
};

struct IndicatorView {
  const Indicator* indicator = nullptr;
  IndicatorStatus status = IndicatorStatus::unverified;
  IndicatorPolicy policy = IndicatorPolicy::all;
  std::vector<std::string> checks;  ///< ids of the checks mapped to it
  int passing = 0;
  int failing = 0;
  int pending = 0;
  IndicatorBasis basis = IndicatorBasis::none;
  std::shared_ptr<const Waiver> waiver;            ///< when waived
  std::shared_ptr<const Attestation> attestation;  ///< the one in force, if any
};

/// Not thread-safe: used on the io_context's thread only.
class IndicatorState {
 public:
  explicit IndicatorState(const Catalog& catalog) : catalog_(catalog) {}

  /// Makes `config` current. The state of a check in `same` (ids of checks whose fingerprint is
  /// unchanged) goes on; every other check starts over.
  void set_config(std::shared_ptr<const Config> config,
                  const std::unordered_set<std::string_view>& same);
  /// Counts one run of `check`.
  void record(const CheckSpec& check, const LastRun& run);
  void set_in_window(const CheckSpec& check, bool in_window);

  const CheckState* check(std::string_view id) const;
  /// Every indicator of `edition`, in catalog order.
  std::vector<IndicatorView> indicators(Edition edition) const;
  /// One indicator; costs only as much as the checks mapped to it.
  IndicatorView view(const Indicator& indicator) const;
  /// The indicators `check` proves, each as it stands now.
  std::vector<IndicatorView> views_of(const CheckSpec& check) const;
  const Config* config() const { return config_.get(); }
  const Catalog& catalog() const { return catalog_; }

 private:
  const Catalog& catalog_;
  std::shared_ptr<const Config> config_;
  std::unordered_map<std::string, CheckState, StringHash, std::equal_to<>> states_;
  std::unordered_map<std::string, std::vector<const CheckSpec*>, StringHash, std::equal_to<>>
      by_indicator_;
};

}  // namespace campus
