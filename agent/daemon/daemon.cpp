#include "daemon/daemon.h"

#include <algorithm>
#include <csignal>
#include <malloc.h>
#include <sys/resource.h>

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

// Every probe run and every listener connection is a file descriptor; the usual soft limit of
// 1,024 runs out long before the hard limit does (systemd sets 1,024:524,288, the unit asks for
// 65,536). Nothing in the agent uses select(), so the soft limit can go up to the hard one.
// Returns the limit now in force.
std::size_t raise_open_files_limit(Logger& log) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log.warn("cannot read the open-files limit; assuming 1024");
    return 1024;
  }
  const rlim_t before = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    // An unlimited hard limit is refused for descriptors: stay within what the kernel allows.
    if (raised.rlim_cur == RLIM_INFINITY) raised.rlim_cur = 1 << 20;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  const std::size_t now = std::size_t(limit.rlim_cur);
  log.info("open-files limit " + std::to_string(now) +
           (now != before ? " (raised from " + std::to_string(before) + ")"
                          : " (the hard limit is " + std::to_string(limit.rlim_max) + ")"));
  return now;
}

// The listener's share of the descriptors when agent.max_connections is not set: a quarter, so
// that the probes always keep three quarters, and no more than a campus's dashboards need.
std::size_t default_max_connections(std::size_t open_files) {
  return std::clamp<std::size_t>(open_files / 4, 16, 4096);
}

std::size_t max_connections(const AgentSettings& agent, std::size_t open_files) {
  return agent.max_connections > 0 ? std::size_t(agent.max_connections)
                                   : default_max_connections(open_files);
}

class BodyBudgetMetrics final : public BodyBudget::Observer {
 public:
  explicit BodyBudgetMetrics(prometheus::Registry& registry)
      : buffered_(prometheus::BuildGauge()
                      .Name("campus_body_buffered_bytes")
                      .Help("Memory held by the response bodies of runs in flight")
                      .Register(registry)
                      .Add({})),
        limit_(prometheus::BuildGauge()
                   .Name("campus_body_budget_bytes")
                   .Help("The most response bodies may hold together (agent.body_budget)")
                   .Register(registry)
                   .Add({})),
        exhausted_(prometheus::BuildCounter()
                       .Name("campus_body_budget_exhausted_total")
                       .Help("Transfers stopped because the body budget was exhausted")
                       .Register(registry)
                       .Add({})) {}
  void buffered(std::size_t bytes) override { buffered_.Set(double(bytes)); }
  void exhausted() override { exhausted_.Increment(); }
  void limit(std::size_t bytes) { limit_.Set(double(bytes)); }

 private:
  prometheus::Gauge& buffered_;
  prometheus::Gauge& limit_;
  prometheus::Counter& exhausted_;
};

}  // namespace

Daemon::Daemon(const Catalog& catalog, const ProbeRegistry& probes, Logger& log,
               std::string config_path, std::optional<std::string> site)
    : catalog_(catalog),
      probes_(probes),
      log_(log),
      config_path_(std::move(config_path)),
      site_(std::move(site)),
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
  if (body_budget_metrics_) BodyBudget::process().set_observer(nullptr);
}

bool Daemon::start() {
  // Signals first, so that a SIGTERM during start-up is a clean stop rather than a kill.
  watch_signals();
  open_files_limit_ = raise_open_files_limit(log_);
  Diagnostics diagnostics;
  auto plan = load_plan_file(config_path_, load_options(), probes_, diagnostics);
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
      options.open_members = site_members(*shared);
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
                                     metrics_.collectables());
  // The order of the sinks is the order results reach them.
  pipeline_.add(store_);
  pipeline_.add(metrics_);
  if (evidence_) {
    evidence_sink_ = std::make_unique<EvidenceSink>(*evidence_, redactor_);
    pipeline_.add(*evidence_sink_);
  }
  pipeline_.add(*push_);
  pipeline_.add(log_sink_);
  {
    auto budget_metrics = std::make_unique<BodyBudgetMetrics>(*metrics_.registry());
    BodyBudget::process().set_observer(budget_metrics.get());
    body_budget_metrics_ = std::move(budget_metrics);
  }
  try {
    HttpServerOptions listener;
    listener.max_connections = max_connections(shared->agent, open_files_limit_);
    listener.log = &log_;
    listener.metrics = metrics_.registry().get();
    server_ = std::make_unique<HttpServer>(
        io_, shared->agent.listen_host, shared->agent.listen_port,
        [this](const HttpRequest& request) { return handle_http(*this, request); }, listener);
    log_.info(
        "HTTP listener: at most " + std::to_string(listener.max_connections) + " connections" +
        (shared->agent.max_connections > 0 ? "" : " (a quarter of the open-files limit)") +
        "; response bodies of runs in flight: at most " + format_bytes(shared->agent.body_budget));
    // A run in flight may take a few descriptors (its connection, curl's resolver), and the agent
    // keeps some of its own (log, evidence, curl's wake-up pipes).
    const std::size_t wanted =
        std::size_t(shared->agent.concurrency) * 2 + listener.max_connections + 64;
    if (wanted > open_files_limit_) {
      log_.warn("the open-files limit " + std::to_string(open_files_limit_) + " is low for " +
                std::to_string(shared->agent.concurrency) + " runs in flight and " +
                std::to_string(listener.max_connections) +
                " listener connections: probes may fail to connect; raise LimitNOFILE");
    }
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
            shared->agent.listen_host + ":" + std::to_string(server_->port()) +
            (shared->agent.site.empty() ? "" : " at site " + shared->agent.site) + " with " +
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

ConfigLoadOptions Daemon::load_options() const {
  ConfigLoadOptions options{catalog_};
  options.site = site_;
  return options;
}

void Daemon::apply(CheckPlan plan) {
  const auto& before = plan_->config;
  if (before && (plan.config->agent.listen_host != before->agent.listen_host ||
                 plan.config->agent.listen_port != before->agent.listen_port)) {
    log_.warn("agent.listen changed; the new address takes effect after a restart");
  }
  if (before && evidence_ && site_members(*plan.config) != site_members(*before)) {
    log_.warn(
        "agent.site or the site's labels changed: runs are recorded under the new ones; the "
        "evidence segments' open records name the old ones until a restart");
  }
  // The old plan lives on while anything holds it: runs in flight hold their checks, and native
  // plugins stay loaded while a probe made from them exists.
  plan_ = std::make_shared<const CheckPlan>(std::move(plan));
  BodyBudget::process().set_limit(plan_->config->agent.body_budget);
  if (body_budget_metrics_) {
    static_cast<BodyBudgetMetrics&>(*body_budget_metrics_).limit(plan_->config->agent.body_budget);
  }
  if (server_)
    server_->set_max_connections(max_connections(plan_->config->agent, open_files_limit_));
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
  const auto site = site_members(*plan_->config);
  const auto record = [this, &site](nlohmann::json claim) {
    claim.update(site);
    if (claims_recorded_.insert(claim.dump()).second) evidence_->append(std::move(claim));
  };
  for (const auto& w : plan_->config->waivers)
    record(waiver_record(*w));
  for (const auto& a : plan_->config->attestations)
    record(attestation_record(*a));
  for (const auto& m : plan_->config->maintenance)
    record(maintenance_record(*m, "config"));
}

nlohmann::json Daemon::site_record(nlohmann::json record) const {
  record.update(site_members(*plan_->config));
  return record;
}

void Daemon::declare_maintenance(MaintenanceWindow window) {
  auto shared = std::make_shared<const MaintenanceWindow>(std::move(window));
  if (evidence_) evidence_->append(site_record(maintenance_record(*shared, "api")));
  log_.info("maintenance window '" + shared->name + "' declared until " + rfc3339_utc(shared->to) +
            ": " + shared->reason);
  pipeline_.add_maintenance(std::move(shared));
}

std::size_t Daemon::end_maintenance(const std::string& name) {
  const auto ended = pipeline_.end_maintenance(name);
  for (const auto& window : ended) {
    if (evidence_) evidence_->append(site_record(maintenance_record(*window, "api")));
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
  auto plan = load_plan_file(config_path_, load_options(), probes_, diagnostics);
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
    finish_stop(give_up);
    return;
  }
  if (std::chrono::steady_clock::now() >= give_up) {
    log_.warn(std::to_string(runner_->in_flight()) + " run(s) still going; cancelling them");
    runner_->cancel_all();
    finish_stop(give_up);
    return;
  }
  stop_timer_.expires_after(std::chrono::milliseconds(50));
  stop_timer_.async_wait([this, give_up](const boost::system::error_code& ec) {
    if (!ec) wait_for_runs(give_up);
  });
}

void Daemon::finish_stop(std::chrono::steady_clock::time_point give_up) {
  if (push_) push_->push_now();  // last push so the gateway holds the final state
  // The closing checkpoint is not time-stamped: the next one after a restart covers it.
  if (timestamper_) timestamper_->stop();
  // What is left of the grace period, no more: a full evidence disk must not hold the stop up.
  // Records still unwritten then are counted as dropped and logged when the log closes.
  if (evidence_ && !evidence_->flush(give_up)) {
    log_.error("evidence: " + std::to_string(evidence_->pending()) +
               " record(s) not written within agent.shutdown_grace (is the evidence disk full?)");
  }
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
