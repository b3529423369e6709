#pragma once
// The running agent: one io_context that schedules the checks, publishes every result through
// the result pipeline (indicator state, then the sinks: recent results, metrics, evidence, push,
// log) and serves HTTP; reloads its config on SIGHUP or POST /-/reload and stops cleanly on
// SIGTERM or SIGINT.

#include <memory>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "config/config.h"
#include "core/body_budget.h"
#include "core/logger.h"
#include "core/redactor.h"
#include "core/worker_pool.h"
#include "daemon/timestamper.h"
#include "evidence/evidence_log.h"
#include "net/curl_driver.h"
#include "net/curl_handles.h"
#include "pipeline/result_pipeline.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"
#include "runtime/check_runner.h"
#include "runtime/scheduler.h"
#include "sinks/evidence_sink.h"
#include "sinks/log_sink.h"
#include "sinks/metrics.h"
#include "sinks/push_sink.h"
#include "sinks/result_store.h"

namespace campus {

class HttpServer;

class Daemon {
 public:
  /// `site` (`run --site`) is the agent's own site over the config's agent.site, at every
  /// reload too.
  Daemon(const Catalog& catalog, const ProbeRegistry& probes, Logger& log, std::string config_path,
         std::optional<std::string> site = std::nullopt);
  ~Daemon();

  /// Loads the config and binds the listener; on failure logs why and returns false.
  bool start();
  /// Runs until stopped; returns the process exit code.
  int run();
  /// Loads the config again; keeps the old one running when the new one is broken.
  /// Returns the problems (empty on success).
  std::string reload();
  /// Begins a clean shutdown (as SIGTERM does).
  void request_stop();

  /// Declares a maintenance window while running (POST /api/maintenance); it goes into the
  /// evidence first.
  void declare_maintenance(MaintenanceWindow window);
  /// Ends the declared windows named `name` now; returns how many.
  std::size_t end_maintenance(const std::string& name);
  /// The config's windows that have not ended and the declared ones, as /api/maintenance lists
  /// them.
  nlohmann::json maintenance_json() const;

  /// Runs one check now, outside the schedule and without publishing its result.
  void run_now(std::shared_ptr<const Check> check, std::function<void(RunRecord)> done);
  /// On-demand runs (/probe) in flight; they are bounded by agent.concurrency like scheduled
  /// ones, so that a burst of requests cannot start hundreds of runs at once.
  std::size_t& on_demand_runs() { return on_demand_runs_; }

  boost::asio::io_context& io() { return io_; }
  std::uint16_t port() const;
  bool ready() const { return ready_; }

  const Catalog& catalog() const { return catalog_; }
  std::shared_ptr<const Config> config() const { return plan_->config; }
  /// The running checks and the probe types they were built from. Holding it keeps them (and a
  /// native plugin's library) alive across a reload.
  std::shared_ptr<const CheckPlan> plan() const { return plan_; }
  /// Every check's and indicator's state.
  const IndicatorState& indicators() const { return pipeline_.state(); }
  const ResultStore& results() const { return store_; }
  const Metrics& metrics() const { return metrics_; }
  const Redactor& redactor() const { return redactor_; }
  /// The evidence log, or nullptr when the config has none.
  EvidenceLog* evidence() { return evidence_.get(); }
  WorkerPool& workers() { return *workers_; }

 private:
  void apply(CheckPlan plan);
  ConfigLoadOptions load_options() const;
  void record_claims();
  /// `record` with the agent's site and labels, as every evidence record carries them.
  nlohmann::json site_record(nlohmann::json record) const;
  void watch_signals();
  void wait_for_runs(std::chrono::steady_clock::time_point give_up);
  void finish_stop(std::chrono::steady_clock::time_point give_up);
  void schedule_refresh();

  const Catalog& catalog_;
  const ProbeRegistry& probes_;
  Logger& log_;
  std::string config_path_;
  std::optional<std::string> site_;

  boost::asio::io_context io_;
  CurlGlobal curl_global_;
  CurlDriver curl_;
  std::unique_ptr<WorkerPool> workers_;  // sized from the first config
  std::unique_ptr<CheckRunner> runner_;
  std::unique_ptr<Scheduler> scheduler_;
  Redactor redactor_;
  std::shared_ptr<const CheckPlan> plan_ = std::make_shared<const CheckPlan>();
  // The pipeline and its sinks, in the order they are fed.
  ResultPipeline pipeline_;
  ResultStore store_;
  Metrics metrics_;
  // campus_body_* from the process-wide body budget; unhooked in the destructor.
  std::unique_ptr<BodyBudget::Observer> body_budget_metrics_;
  std::size_t open_files_limit_ = 0;  // the soft RLIMIT_NOFILE after start() raised it
  // Declared before the log it serves: the log's writer may still announce its closing
  // checkpoint while the log is destroyed, and the timestamper must be there to ignore it.
  std::unique_ptr<Timestamper> timestamper_;
  std::unique_ptr<EvidenceLog> evidence_;
  std::set<std::string> claims_recorded_;  // the claim records written by this process
  std::size_t on_demand_runs_ = 0;
  std::unique_ptr<EvidenceSink> evidence_sink_;
  std::unique_ptr<PushSink> push_;
  LogSink log_sink_;
  std::unique_ptr<HttpServer> server_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer stop_timer_;
  boost::asio::steady_timer refresh_timer_;
  bool ready_ = false;
  bool stopping_ = false;
};

}  // namespace campus
