#include "daemon/daemon.h"

#include <csignal>
#include <malloc.h>

#include "config/claims_json.h"
#include "daemon/http_api.h"
#include "http/http_server.h"
#include "version.h"

namespace campus {
namespace {

// Parsing a config builds a YAML node tree several times the size of what is kept (about 4 KB per
// check); glibc keeps the freed pages, so a 10,000-check agent would stay at its start-up peak.
// Hand them back once the tree is gone.
void return_freed_memory() {
  malloc_trim(0);
}

}  // namespace

Daemon::Daemon(const Catalog& catalog, const ProbeRegistry& probes, Logger& log,
               std::string config_path)
    : catalog_(catalog),
      probes_(probes),
      log_(log),
      config_path_(std::move(config_path)),
      curl_(io_),
      pipeline_(catalog),
      metrics_(catalog, kVersion),
      log_sink_(log),
      signals_(io_),
      stop_timer_(io_),
      refresh_timer_(io_) {}

Daemon::~Daemon() {
  // Order matters: runs and the listener go before the curl driver and the worker pool.
  server_.reset();
  if (push_) push_->stop();
  if (scheduler_) scheduler_->stop();
  if (runner_) runner_->cancel_all();
  // Let cancelled runs unwind now, while the curl driver they use still exists.
  io_.restart();
  io_.poll();
  scheduler_.reset();
  runner_.reset();
  workers_.reset();
}

bool Daemon::start() {
  // Signals first, so that a SIGTERM during start-up is a clean stop rather than a kill.
  watch_signals();
  Diagnostics diagnostics;
  auto plan = load_plan_file(config_path_, {catalog_}, probes_, diagnostics);
  return_freed_memory();
  if (!plan) {
    for (const auto& d : diagnostics.items())
      log_.error(d.str());
    log_.error("config " + config_path_ + " has " + std::to_string(diagnostics.size()) +
               " problem(s); not starting");
    return false;
  }
  const auto shared = plan->config;
  workers_ = std::make_unique<WorkerPool>(std::size_t(shared->agent.workers), 1024);
  runner_ = std::make_unique<CheckRunner>(io_, curl_, *workers_, log_);
  scheduler_ =
      std::make_unique<Scheduler>(io_, *runner_, shared->agent.concurrency, [this](RunRecord r) {
        // A run cut short by the shutdown is no verdict on the target: it must not turn an
        // indicator red in the metrics, the evidence or the report.
        if (r.cancelled) {
          log_.info("check " + r.check->id + ": run cancelled by the shutdown; not recorded");
          return;
        }
        pipeline_.publish(std::move(r));
      });
  scheduler_->on_lag([this](double s) { metrics_.observe_scheduler_lag(s); });
  scheduler_->on_skip([this](const CheckSpec& c) { pipeline_.skipped(c); });
  scheduler_->on_window([this](const CheckSpec& c, bool in) { pipeline_.window(c, in); });
  runner_->sessions().on_login(
      [this](SessionLoginRecord login) { pipeline_.session_login(std::move(login)); });
  runner_->sessions().on_lost([this](const SessionSpec& session, const std::string& reason) {
    pipeline_.session_lost(session, reason);
  });
  if (shared->evidence.enabled) {
    try {
      EvidenceLog::Options options;
      options.dir = shared->evidence.dir;
      if (shared->evidence.key_file) options.key = load_evidence_key(*shared->evidence.key_file);
      if (shared->evidence.signing_key_file) {
        options.signing_key = SigningKey::load(*shared->evidence.signing_key_file);
      }
      options.checkpoint_records = shared->evidence.checkpoint_records;
      options.checkpoint_interval = shared->evidence.checkpoint_interval;
      options.fsync = shared->evidence.fsync;
      options.fsync_interval = shared->evidence.fsync_interval;
      options.segment_max_bytes = shared->evidence.segment_max_bytes;
      options.retain = shared->evidence.retain;
      if (shared->evidence.timestamp_url) {
        timestamper_ = std::make_unique<Timestamper>(io_, curl_, log_, *metrics_.registry(),
                                                     *shared->evidence.timestamp_url,
                                                     shared->evidence.timestamp_timeout);
        options.on_signed = [ts = timestamper_.get()](const SignedPoint& p) { ts->checkpoint(p); };
      }
      evidence_ = std::make_unique<EvidenceLog>(options, *metrics_.registry(), log_);
      if (timestamper_) timestamper_->attach(*evidence_);
    } catch (const std::exception& e) {
      log_.error(std::string("evidence: ") + e.what() + "; not starting");
      return false;
    }
  }
  runner_->set_evidence_recorded(evidence_ != nullptr);
  push_ = std::make_unique<PushSink>(io_, *workers_, log_, *metrics_.registry(),
                                     std::vector<std::shared_ptr<prometheus::Collectable>>{
                                         metrics_.registry(), metrics_.checks()});
  // The order of the sinks is the order results reach them.
  pipeline_.add(store_);
  pipeline_.add(metrics_);
  if (evidence_) {
    evidence_sink_ = std::make_unique<EvidenceSink>(*evidence_, redactor_);
    pipeline_.add(*evidence_sink_);
  }
  pipeline_.add(*push_);
  pipeline_.add(log_sink_);
  try {
    server_ = std::make_unique<HttpServer>(
        io_, shared->agent.listen_host, shared->agent.listen_port,
        [this](const HttpRequest& request) { return handle_http(*this, request); });
  } catch (const std::exception& e) {
    log_.error("cannot listen on " + shared->agent.listen_host + ":" +
               std::to_string(shared->agent.listen_port) + ": " + e.what());
    return false;
  }
  apply(std::move(*plan));
  schedule_refresh();
  server_->start();
  ready_ = true;
  log_.info("campus-probe " + std::string(kVersion) + " listening on http://" +
            shared->agent.listen_host + ":" + std::to_string(server_->port()) + " with " +
            config_summary(*shared, catalog_));
  return true;
}

// Attestations and waivers run out on the calendar, not on a run: every few seconds the sinks see
// the indicators as the clock has left them.
void Daemon::schedule_refresh() {
  refresh_timer_.expires_after(std::chrono::seconds(10));
  refresh_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    pipeline_.refresh();
    schedule_refresh();
  });
}

std::uint16_t Daemon::port() const {
  return server_ ? server_->port() : 0;
}

int Daemon::run() {
  io_.run();
  return 0;
}

void Daemon::apply(CheckPlan plan) {
  const auto& before = plan_->config;
  if (before && (plan.config->agent.listen_host != before->agent.listen_host ||
                 plan.config->agent.listen_port != before->agent.listen_port)) {
    log_.warn("agent.listen changed; the new address takes effect after a restart");
  }
  // The old plan lives on while anything holds it: runs in flight hold their checks, and native
  // plugins stay loaded while a probe made from them exists.
  plan_ = std::make_shared<const CheckPlan>(std::move(plan));
  redactor_ = Redactor(plan_->config->secrets.values());
  log_.set_redactor(redactor_);
  pipeline_.set_config(plan_->config, plan_->probes);
  record_claims();
  runner_->sessions().set_sessions(plan_->sessions);
  scheduler_->set_concurrency(plan_->config->agent.concurrency);
  scheduler_->set_checks(plan_->checks);
}

// Waivers, attestations and maintenance windows are claims people answer for: each one goes into
// the evidence chain (once per process and content) as soon as the config that states it is
// applied, before any run is published under it; the compliance report reads them from there, never
// from the config.
void Daemon::record_claims() {
  if (!evidence_) return;
  const auto record = [this](nlohmann::json claim) {
    if (claims_recorded_.insert(claim.dump()).second) evidence_->append(std::move(claim));
  };
  for (const auto& w : plan_->config->waivers)
    record(waiver_record(*w));
  for (const auto& a : plan_->config->attestations)
    record(attestation_record(*a));
  for (const auto& m : plan_->config->maintenance)
    record(maintenance_record(*m, "config"));
}

void Daemon::declare_maintenance(MaintenanceWindow window) {
  auto shared = std::make_shared<const MaintenanceWindow>(std::move(window));
  if (evidence_) evidence_->append(maintenance_record(*shared, "api"));
  log_.info("maintenance window '" + shared->name + "' declared until " + rfc3339_utc(shared->to) +
            ": " + shared->reason);
  pipeline_.add_maintenance(std::move(shared));
}

std::size_t Daemon::end_maintenance(const std::string& name) {
  const auto ended = pipeline_.end_maintenance(name);
  for (const auto& window : ended) {
    if (evidence_) evidence_->append(maintenance_record(*window, "api"));
    log_.info("maintenance window '" + window->name + "' ended");
  }
  return ended.size();
}

nlohmann::json Daemon::maintenance_json() const {
  const auto now = std::chrono::system_clock::now();
  nlohmann::json out = nlohmann::json::array();
  const auto add = [&](const MaintenanceWindow& w, const char* source) {
    auto j = maintenance_record(w, source);
    j.erase("type");
    j["active"] = w.contains(now);
    out.push_back(std::move(j));
  };
  for (const auto& w : plan_->config->maintenance) {
    if (w->to > now) add(*w, "config");
  }
  for (const auto& w : pipeline_.declared_maintenance())
    add(*w, "api");
  return out;
}

std::string Daemon::reload() {
  Diagnostics diagnostics;
  auto plan = load_plan_file(config_path_, {catalog_}, probes_, diagnostics);
  return_freed_memory();
  if (!plan) {
    for (const auto& d : diagnostics.items())
      log_.error("reload: " + d.str());
    log_.error("reload failed; keeping the running config");
    metrics_.set_reload_result(false);
    return diagnostics.str();
  }
  apply(std::move(*plan));
  log_.info("reloaded " + config_path_ + ": " + config_summary(*plan_->config, catalog_));
  return "";
}

void Daemon::run_now(std::shared_ptr<const Check> check, std::function<void(RunRecord)> done) {
  runner_->start(std::move(check), std::move(done));
}

void Daemon::watch_signals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.add(SIGHUP);
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      log_.info("SIGHUP: reloading " + config_path_);
      reload();
      watch_signals();
      return;
    }
    log_.info(std::string(signal == SIGINT ? "SIGINT" : "SIGTERM") + ": stopping");
    request_stop();
  });
}

void Daemon::request_stop() {
  if (stopping_) return;
  stopping_ = true;
  ready_ = false;
  if (scheduler_) scheduler_->stop();
  if (server_) server_->stop();
  if (push_) push_->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  const auto grace =
      plan_->config ? plan_->config->agent.shutdown_grace : Duration(std::chrono::seconds(5));
  wait_for_runs(std::chrono::steady_clock::now() + grace);
}

// Lets runs in flight finish, up to `give_up`; then cancels what is left. (A member function
// rather than a self-referencing closure: that closure would own itself and never be freed.)
void Daemon::wait_for_runs(std::chrono::steady_clock::time_point give_up) {
  if (!runner_ || runner_->in_flight() == 0) {
    finish_stop();
    return;
  }
  if (std::chrono::steady_clock::now() >= give_up) {
    log_.warn(std::to_string(runner_->in_flight()) + " run(s) still going; cancelling them");
    runner_->cancel_all();
    finish_stop();
    return;
  }
  stop_timer_.expires_after(std::chrono::milliseconds(50));
  stop_timer_.async_wait([this, give_up](const boost::system::error_code& ec) {
    if (!ec) wait_for_runs(give_up);
  });
}

void Daemon::finish_stop() {
  if (push_) push_->push_now();  // last push so the gateway holds the final state
  // The closing checkpoint is not time-stamped: the next one after a restart covers it.
  if (timestamper_) timestamper_->stop();
  if (evidence_) evidence_->flush();
  server_.reset();
  refresh_timer_.cancel();
  // Let pending completions run, then leave io_context::run().
  stop_timer_.expires_after(std::chrono::milliseconds(10));
  stop_timer_.async_wait([this](const boost::system::error_code&) {
    workers_.reset();  // joins the push, if one is under way
    io_.stop();
  });
  log_.info("stopped");
}

}  // namespace campus
