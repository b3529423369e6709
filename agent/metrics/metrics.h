#pragma once
// The agent's Prometheus metrics (prefix campus_), kept in one prometheus-cpp registry that the
// HTTP listener serialises and the Pushgateway pusher sends. Label values come from the config
// only, never from target responses.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "runtime/check_runner.h"
#include "runtime/result_store.h"

namespace campus {

/// The metric name a probe measurement is exported under: campus_probe_<name>.
std::string measurement_metric_name(const std::string& measurement);

/// Not thread-safe for updates (io_context thread); text() may be called from anywhere.
class Metrics {
 public:
  Metrics(const Catalog& catalog, const std::string& version);

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

  /// Drops the series of checks that are gone or changed labels, and sets up indicator series
  /// for the enabled editions.
  void set_config(const Config& config, const ResultStore& store);
  /// Publishes one run and the state of the indicators it maps to.
  void record(const RunRecord& record, const ResultStore& store);
  void observe_scheduler_lag(double seconds);
  void count_skipped(const CheckSpec& check);
  void set_reload_result(bool success);
  void count_push_failure();

  /// The text exposition format of everything.
  std::string text() const;

 private:
  struct CheckSeries {
    std::map<std::string, std::string> labels;  // check, probe, system
    prometheus::Gauge* success = nullptr;
    prometheus::Gauge* duration = nullptr;
    prometheus::Gauge* last_run = nullptr;
    // Created on first use: most checks only ever pass, and at 10,000 checks every series
    // costs memory and scrape time.
    // Created on first use: most checks only ever pass, and at 10,000 checks every series
    // costs memory and scrape time.
    std::map<std::string, prometheus::Counter*> runs;  // by result
    prometheus::Counter* skipped = nullptr;
    prometheus::Gauge* failure_kind = nullptr;
    FailureKind current_kind = FailureKind::none;
    std::map<std::string, prometheus::Gauge*> phases;
    std::map<std::string, prometheus::Gauge*> measurements;
  };

  CheckSeries& series_for(const CheckSpec& check);
  /// Sets one gauge per named item (phases, measurements), adding and removing series as the
  /// names change between runs.
  template <typename Items, typename FamilyOf, typename LabelsOf>
  void update_named(std::map<std::string, prometheus::Gauge*>& series, const Items& items,
                    FamilyOf family_of, LabelsOf labels_of);
  void remove_series(const std::string& check_id);
  prometheus::Family<prometheus::Gauge>& measurement_family(const std::string& name);
  void update_indicator(const Indicator& indicator, const ResultStore& store);

  const Catalog& catalog_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& success_;
  prometheus::Family<prometheus::Gauge>& duration_;
  prometheus::Family<prometheus::Gauge>& phase_duration_;
  prometheus::Family<prometheus::Counter>& runs_;
  prometheus::Family<prometheus::Counter>& skipped_;
  prometheus::Family<prometheus::Gauge>& last_run_;
  prometheus::Family<prometheus::Gauge>& failure_kind_;
  prometheus::Family<prometheus::Gauge>& indicator_status_;
  prometheus::Family<prometheus::Gauge>& indicator_checks_;
  prometheus::Family<prometheus::Histogram>& lag_family_;
  prometheus::Histogram& lag_;
  prometheus::Gauge& reload_success_;
  prometheus::Gauge& reload_timestamp_;
  prometheus::Counter& push_failures_;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> measurement_families_;
  std::map<std::string, CheckSeries> checks_;
  std::map<std::string, prometheus::Gauge*> indicator_status_series_;
  std::map<std::string, prometheus::Gauge*> indicator_checks_series_;
  std::vector<Edition> editions_;
};

}  // namespace campus
