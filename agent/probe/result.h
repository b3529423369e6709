#pragma once
// What one probe run found: the facts a probe returns and the agent publishes.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace campus {

/// pass: the system did what the indicator needs; fail: it did not; error: the probe could not
/// judge (for example a plugin answered UNKNOWN or the probe hit a bug).
enum class Verdict { pass, fail, error };

/// Why a run did not pass, with few enough values to be a metric label.
enum class FailureKind {
  none,
  resolve,
  connect,
  tls,
  timeout,
  auth_rejected,
  bad_status,
  bad_content,
  protocol_error,
  captcha_required,
  internal,
};

std::string_view to_string(Verdict verdict);
std::string_view to_string(FailureKind kind);
/// Every kind but `none`, in declaration order.
const std::vector<FailureKind>& all_failure_kinds();

/// A named part of a run's time, e.g. dns, connect, tls, first_byte, transfer.
struct Phase {
  std::string name;
  double seconds = 0;
};

/// A number the probe measured. `name` becomes the metric `campus_probe_<name>`, so it must be
/// a fixed identifier chosen by the probe's code, never text from a response.
struct Measurement {
  std::string name;
  double value = 0;
};

/// A measurement with one label of its own, e.g. a plugin's perfdata item: exported as
/// `campus_probe_<name>{check, label}`. `label` comes from the target, so it is a label value,
/// never part of a metric name.
struct LabelledMeasurement {
  std::string name;
  std::string label;
  double value = 0;
};

struct ProbeResult {
  Verdict verdict = Verdict::error;
  FailureKind kind = FailureKind::internal;
  std::string reason;  ///< one line a campus IT engineer understands
  std::chrono::nanoseconds duration{0};
  std::vector<Phase> phases;
  std::vector<Measurement> measurements;
  std::vector<LabelledMeasurement> labelled_measurements;
  nlohmann::json evidence = nlohmann::json::object();  ///< what was asked and what came back

  static ProbeResult pass(std::string reason);
  static ProbeResult fail(FailureKind kind, std::string reason);
  static ProbeResult fail(FailureKind kind, std::string reason, nlohmann::json evidence);
  static ProbeResult error(std::string reason);

  void measure(std::string name, double value) { measurements.push_back({std::move(name), value}); }
  void phase(std::string name, double seconds) { phases.push_back({std::move(name), seconds}); }
  /// The value of a measurement, or `fallback`.
  double measurement(std::string_view name, double fallback = 0) const;
};

}  // namespace campus
