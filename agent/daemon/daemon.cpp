#include "daemon/daemon.h"

#include <csignal>
#include <malloc.h>

#include <prometheus/gateway.h>

#include "daemon/http_api.h"
#include "evidence/run_record.h"
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
      metrics_(catalog, kVersion),
      signals_(io_),
      push_timer_(io_),
      stop_timer_(io_) {}

Daemon::~Daemon() {
  // Order matters: runs and the listener go before the curl driver and the worker pool.
  server_.reset();
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
  auto config = load_config_file(config_path_, {catalog_, probes_}, diagnostics);
  return_freed_memory();
  if (!config) {
    for (const auto& d : diagnostics.items())
      log_.error(d.str());
    log_.error("config " + config_path_ + " has " + std::to_string(diagnostics.size()) +
               " problem(s); not starting");
    return false;
  }
  auto shared = std::make_shared<const Config>(std::move(*config));
  workers_ = std::make_unique<WorkerPool>(std::size_t(shared->agent.workers), 1024);
  runner_ = std::make_unique<CheckRunner>(io_, curl_, *workers_, log_);
  scheduler_ = std::make_unique<Scheduler>(io_, *runner_, shared->agent.concurrency,
                                           [this](RunRecord r) { publish(std::move(r)); });
  scheduler_->on_lag([this](double s) { metrics_.observe_scheduler_lag(s); });
  scheduler_->on_skip([this](const CheckSpec& c) {
    metrics_.count_skipped(c);
    log_.warn("check " + c.id + ": previous run still going; skipped this one");
  });
  if (shared->evidence.enabled) {
    try {
      EvidenceLog::Options options;
      options.dir = shared->evidence.dir;
      if (shared->evidence.key_file) options.key = load_evidence_key(*shared->evidence.key_file);
      options.fsync = shared->evidence.fsync;
      options.fsync_interval = shared->evidence.fsync_interval;
      options.segment_max_bytes = shared->evidence.segment_max_bytes;
      options.retain = shared->evidence.retain;
      evidence_ = std::make_unique<EvidenceLog>(options, *metrics_.registry(), log_);
    } catch (const std::exception& e) {
      log_.error(std::string("evidence: ") + e.what() + "; not starting");
      return false;
    }
  }
  runner_->set_evidence_recorded(evidence_ != nullptr);
  try {
    server_ = std::make_unique<HttpServer>(
        io_, shared->agent.listen_host, shared->agent.listen_port,
        [this](const HttpRequest& request) { return handle_http(*this, request); });
  } catch (const std::exception& e) {
    log_.error("cannot listen on " + shared->agent.listen_host + ":" +
               std::to_string(shared->agent.listen_port) + ": " + e.what());
    return false;
  }
  apply(shared);
  server_->start();
  ready_ = true;
  log_.info("campus-probe " + std::string(kVersion) + " listening on http://" +
            shared->agent.listen_host + ":" + std::to_string(server_->port()) + " with " +
            config_summary(*shared, catalog_));
  return true;
}

std::uint16_t Daemon::port() const {
  return server_ ? server_->port() : 0;
}

int Daemon::run() {
  io_.run();
  return 0;
}

void Daemon::apply(std::shared_ptr<const Config> config) {
  if (config_ && (config->agent.listen_host != config_->agent.listen_host ||
                  config->agent.listen_port != config_->agent.listen_port)) {
    log_.warn("agent.listen changed; the new address takes effect after a restart");
  }
  config_ = std::move(config);
  redactor_ = Redactor(config_->secrets.values());
  log_.set_redactor(redactor_);
  store_.set_config(config_);
  metrics_.set_config(*config_, store_);
  scheduler_->set_concurrency(config_->agent.concurrency);
  scheduler_->set_checks(config_->checks);
  gateway_.reset();
  push_timer_.cancel();
  if (config_->push.enabled) {
    // prometheus-cpp wants the scheme and host apart from the port.
    const std::string& url = config_->push.url;
    const auto scheme_end = url.find("://");
    const auto host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    const auto path_start = url.find('/', host_start);
    const std::string authority = url.substr(host_start, path_start - host_start);
    const auto colon = authority.rfind(':');
    const std::string host = url.substr(0, host_start) + authority.substr(0, colon);
    const std::string port = colon == std::string::npos
                                 ? (url.rfind("https", 0) == 0 ? "443" : "80")
                                 : authority.substr(colon + 1);
    prometheus::Labels grouping(config_->push.grouping.begin(), config_->push.grouping.end());
    gateway_ = std::make_shared<prometheus::Gateway>(host, port, config_->push.job, grouping);
    gateway_->RegisterCollectable(metrics_.registry());
    gateway_->RegisterCollectable(metrics_.checks());
    schedule_push();
  }
}

std::string Daemon::reload() {
  Diagnostics diagnostics;
  auto config = load_config_file(config_path_, {catalog_, probes_}, diagnostics);
  return_freed_memory();
  if (!config) {
    for (const auto& d : diagnostics.items())
      log_.error("reload: " + d.str());
    log_.error("reload failed; keeping the running config");
    metrics_.set_reload_result(false);
    return diagnostics.str();
  }
  apply(std::make_shared<const Config>(std::move(*config)));
  log_.info("reloaded " + config_path_ + ": " + config_summary(*config_, catalog_));
  return "";
}

void Daemon::publish(RunRecord run) {
  auto record = std::make_shared<const RunRecord>(std::move(run));
  store_.record(record);
  metrics_.record(*record, store_);
  if (evidence_) evidence_->append(make_run_record(*record, redactor_));
  const auto& r = record->result;
  const LogLevel level = r.verdict == Verdict::pass ? LogLevel::debug : LogLevel::warn;
  if (!log_.enabled(level)) return;
  log_.log(level,
           "check " + record->check->id + " " + std::string(to_string(r.verdict)) +
               (r.kind != FailureKind::none ? " (" + std::string(to_string(r.kind)) + ")" : "") +
               " in " + std::to_string(int(to_seconds(r.duration) * 1000)) + "ms: " + r.reason);
}

void Daemon::run_now(std::shared_ptr<const CheckSpec> check, std::function<void(RunRecord)> done) {
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
  push_timer_.cancel();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  const auto grace = config_ ? config_->agent.shutdown_grace : Duration(std::chrono::seconds(5));
  const auto give_up = std::chrono::steady_clock::now() + grace;
  // Let runs in flight finish, up to the grace period; then cancel what is left.
  auto poll = std::make_shared<std::function<void()>>();
  *poll = [this, give_up, poll] {
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
    stop_timer_.async_wait([poll](const boost::system::error_code& ec) {
      if (!ec) (*poll)();
    });
  };
  (*poll)();
}

void Daemon::finish_stop() {
  if (gateway_) push_now();  // last push so the gateway holds the final state
  if (evidence_) evidence_->flush();
  server_.reset();
  // Let pending completions run, then leave io_context::run().
  stop_timer_.expires_after(std::chrono::milliseconds(10));
  stop_timer_.async_wait([this](const boost::system::error_code&) {
    workers_.reset();  // joins the push, if one is under way
    io_.stop();
  });
  log_.info("stopped");
}

void Daemon::schedule_push() {
  push_timer_.expires_after(config_->push.interval);
  push_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    push_now();
    schedule_push();
  });
}

void Daemon::push_now() {
  auto gateway = gateway_;
  const std::string url = config_->push.url;
  // Push is a blocking HTTP call inside prometheus-cpp, so it runs on the worker pool.
  const bool queued = workers_->submit([this, gateway, url] {
    const int status = gateway->Push();
    boost::asio::post(io_, [this, status, url] {
      if (status < 200 || status >= 300) {
        metrics_.count_push_failure();
        log_.warn("push to " + url + " failed (HTTP status " + std::to_string(status) + ")");
      }
    });
  });
  if (!queued) {
    metrics_.count_push_failure();
    log_.warn("push to " + url + " skipped: worker pool busy");
  }
}

}  // namespace campus
