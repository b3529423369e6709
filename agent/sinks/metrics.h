#pragma once
// The agent's Prometheus metrics (prefix campus_), kept in one prometheus-cpp registry that the
// HTTP listener serialises and the Pushgateway pusher sends. Label values come from the config
// and the indicator catalog only, never from target responses.

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
#include "pipeline/result_pipeline.h"
#include "sinks/check_metrics.h"
#include "sinks/external_labels.h"

namespace campus {

/// The metrics sink. Not thread-safe for updates (io_context thread); text() may be called from
/// anywhere.
class Metrics final : public ResultSink {
 public:
  Metrics(const Catalog& catalog, const std::string& version);

  /// The agent-wide metrics (indicators, scheduler, reloads, build).
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  /// The per-check metrics.
  const std::shared_ptr<CheckMetrics>& checks() const { return checks_; }
  /// Everything, with the site and the extra labels on every series: what a push sends.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables() const;

  /// Drops the series of checks that are not the same check any more, and sets up indicator
  /// series for the enabled editions and the info series that name indicators and map checks
  /// to them.
  void configure(const ConfigChange& change) override;
  /// Publishes one run and the state of the indicators it maps to.
  void publish(const Publication& publication) override;
  void skipped(const CheckSpec& check) override;
  void window(const CheckSpec& check, bool in_window) override;
  void session_login(const SessionLoginRecord& login) override;
  void session_lost(const SessionSpec& session, const std::string& reason) override;
  /// Every indicator's status and every attestation's days to expiry, as of now.
  void refresh(const IndicatorState& indicators) override;
  void observe_scheduler_lag(double seconds);
  void set_reload_result(bool success);

  /// The text exposition format of everything.
  std::string text() const;

 private:
  void update_indicator(const IndicatorView& view);
  void configure_map(const Config& config);

  const Catalog& catalog_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<CheckMetrics> checks_ = std::make_shared<CheckMetrics>();
  std::shared_ptr<ExternalLabels> external_ = std::make_shared<ExternalLabels>();
  prometheus::Family<prometheus::Gauge>& indicator_status_;
  prometheus::Family<prometheus::Gauge>& indicator_checks_;
  prometheus::Family<prometheus::Gauge>& attestation_expiry_;
  prometheus::Family<prometheus::Gauge>& indicator_info_;
  prometheus::Family<prometheus::Gauge>& check_indicator_;
  prometheus::Family<prometheus::Histogram>& lag_family_;
  prometheus::Histogram& lag_;
  prometheus::Gauge& reload_success_;
  prometheus::Gauge& reload_timestamp_;
  prometheus::Family<prometheus::Counter>& session_logins_;
  prometheus::Family<prometheus::Gauge>& session_valid_;
  prometheus::Family<prometheus::Gauge>& session_login_duration_;
  struct SessionSeries {
    prometheus::Counter* passed;
    prometheus::Counter* failed;
    prometheus::Gauge* valid;
    prometheus::Gauge* duration;
  };
  std::map<std::string, SessionSeries, std::less<>> session_series_;
  std::map<std::string, prometheus::Gauge*> indicator_status_series_;
  std::map<std::string, prometheus::Gauge*> indicator_checks_series_;
  std::vector<std::pair<std::shared_ptr<const Attestation>, prometheus::Gauge*>>
      attestation_series_;
  std::vector<Edition> editions_;
  std::vector<prometheus::Gauge*> indicator_info_series_;
  std::vector<prometheus::Gauge*> check_indicator_series_;
};

}  // namespace campus
