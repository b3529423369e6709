#pragma once
// The per-check metrics (campus_probe_*), kept compactly: one row per check instead of a dozen
// prometheus-cpp series with their label maps, which at 10,000 checks costs most of the agent's
// memory. Rows are written straight into the text exposition, and offered to the Pushgateway as
// a prometheus-cpp Collectable.

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include "config/config.h"
#include "probe/result.h"

namespace campus {

/// Thread-safe: runs are recorded on the io_context thread while a push may collect elsewhere.
class CheckMetrics final : public prometheus::Collectable {
 public:
  /// Publishes one run of `check`.
  void record(const CheckSpec& check, const ProbeResult& result, double now_seconds);
  void count_skipped(const CheckSpec& check);
  /// Whether a check with an `active:` window is inside it now.
  void set_in_window(const CheckSpec& check, bool in_window);
  /// Forgets every check for which `is_same` is false (gone, or no longer the same check).
  void retain(const std::function<bool(std::string_view)>& is_same);
  /// The help texts of the measurements, by measurement name (as the probe types declare them).
  void set_help(std::map<std::string, std::string, std::less<>> help);

  /// Appends the text exposition of every per-check family to `out`; `extra_labels`
  /// (`,name="value"...`) go after each series' own labels.
  void write_text(std::string& out, const std::string& extra_labels = "") const;
  std::vector<prometheus::MetricFamily> Collect() const override;

  /// The metric name of a probe measurement: campus_probe_<name>.
  static std::string metric_name(const std::string& measurement);

 private:
  struct Row {
    std::string probe;
    std::string system;
    double success = 0;
    double duration = 0;
    double last_run = 0;
    double runs[3] = {0, 0, 0};  // pass, fail, error
    double skipped = 0;
    int in_window = -1;  // -1: the check has no window, so no series
    bool ran = false;
    FailureKind kind = FailureKind::none;
    std::vector<std::pair<std::string, double>> phases;
    std::vector<std::pair<std::string, double>> measurements;
    std::vector<LabelledMeasurement> labelled;
  };
  template <typename Sink>
  void for_each_family(Sink& sink) const;

  mutable std::mutex mutex_;
  std::map<std::string, Row> rows_;  // by check id, so the output is sorted and stable
  std::map<std::string, std::string, std::less<>> help_;
};

}  // namespace campus
