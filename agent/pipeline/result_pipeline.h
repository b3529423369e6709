#pragma once
// Where every run's result goes: one publish() updates the check and indicator state, then feeds
// an ordered list of sinks (result store, metrics, evidence, push, log) through one interface.
// No sink reads another; what a sink needs of the indicators comes with the publication.
//
// One reload rule for every sink: a check is the same check when its fingerprint is unchanged;
// otherwise (new target, new params, new labels, ...) its history starts over.

#include <memory>
#include <span>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "config/config.h"
#include "indicators/indicator_state.h"
#include "pipeline/run_record.h"
#include "probe/registry.h"

namespace campus {

/// A new config, as each sink sees it.
struct ConfigChange {
  const Config& config;
  /// The probe types of the config (built-in and plugins), with their declared measurements.
  const ProbeRegistry& probes;
  /// Every indicator's state after the change.
  const IndicatorState& indicators;
  /// Ids of the checks that are the same check as before; any other check starts over.
  const std::unordered_set<std::string_view>& same;

  bool is_same(std::string_view id) const { return same.count(id) > 0; }
  /// Whether `session` is unchanged (same fingerprint as before); a changed one starts over.
  bool is_same_session(const SessionSpec& session) const {
    return same_sessions.count(session.name) > 0;
  }
  const std::unordered_set<std::string_view>& same_sessions;
};

/// One published run.
struct Publication {
  const std::shared_ptr<const RunRecord>& record;
  /// The indicators the run's check proves, as they stand after the run.
  std::span<const IndicatorView> indicators;
};

/// One destination of results. Called on the io_context's thread only.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  /// The config changed (also called once at start): drop what belongs to checks that are gone
  /// or not the same check any more.
  virtual void configure(const ConfigChange& change) = 0;
  virtual void publish(const Publication& publication) = 0;
  /// A run of `check` was not started because the previous one was still going.
  virtual void skipped(const CheckSpec& check) { (void)check; }
  /// `check` entered (true) or left (false) its `active:` window.
  virtual void window(const CheckSpec& check, bool in_window) { (void)check, (void)in_window; }
  /// A shared session logged in (or failed to).
  virtual void session_login(const SessionLoginRecord& login) { (void)login; }
  /// A check of `session` was sent back to log in: the login it held is gone.
  virtual void session_lost(const SessionSpec& session, const std::string& reason) {
    (void)session, (void)reason;
  }
  /// Time passed: what depends on the clock alone (an attestation or a waiver running out) may
  /// have changed an indicator without any run.
  virtual void refresh(const IndicatorState& indicators) { (void)indicators; }
};

/// Not thread-safe: used on the io_context's thread only.
class ResultPipeline {
 public:
  explicit ResultPipeline(const Catalog& catalog) : state_(catalog) {}

  /// Appends a sink; sinks are fed in the order they were added. The sink must outlive the
  /// pipeline or be removed first.
  void add(ResultSink& sink) { sinks_.push_back(&sink); }
  void remove(ResultSink& sink);

  /// Makes `config` current for the state and every sink.
  void set_config(std::shared_ptr<const Config> config, const ProbeRegistry& probes);
  void publish(RunRecord record);
  void skipped(const CheckSpec& check);
  void window(const CheckSpec& check, bool in_window);
  void session_login(SessionLoginRecord login);
  void session_lost(const SessionSpec& session, const std::string& reason);
  /// Lets every sink see the indicators as the clock has left them.
  void refresh();
  /// Maintenance windows declared while running (POST /api/maintenance), besides the config's.
  /// They last until they end or the agent stops.
  void add_maintenance(std::shared_ptr<const MaintenanceWindow> window);
  /// Ends the running windows named `name` now; returns the ended ones (as they now stand).
  std::vector<std::shared_ptr<const MaintenanceWindow>> end_maintenance(const std::string& name);
  /// The declared windows that have not ended.
  std::vector<std::shared_ptr<const MaintenanceWindow>> declared_maintenance() const;

  const IndicatorState& state() const { return state_; }
  const Config* config() const { return config_.get(); }

 private:
  IndicatorState state_;
  std::shared_ptr<const Config> config_;
  std::vector<ResultSink*> sinks_;
  std::vector<std::shared_ptr<const MaintenanceWindow>> declared_;
};

}  // namespace campus
