#include "sinks/push_sink.h"

#include <boost/asio/post.hpp>
#include <prometheus/gateway.h>

namespace campus {

PushSink::PushSink(boost::asio::io_context& io, WorkerPool& workers, Logger& log,
                   prometheus::Registry& registry,
                   std::vector<std::shared_ptr<prometheus::Collectable>> collectables)
    : io_(io),
      workers_(workers),
      log_(log),
      failures_(prometheus::BuildCounter()
                    .Name("campus_push_failures_total")
                    .Help("Failed pushes to the Pushgateway")
                    .Register(registry)
                    .Add({})),
      collectables_(std::move(collectables)),
      timer_(io) {}

PushSink::~PushSink() = default;

void PushSink::configure(const ConfigChange& change) {
  const PushSettings& push = change.config.push;
  gateway_.reset();
  timer_.cancel();
  if (!push.enabled || stopped_) return;
  // prometheus-cpp wants the scheme and host apart from the port.
  const std::string& url = push.url;
  const auto scheme_end = url.find("://");
  const auto host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const auto path_start = url.find('/', host_start);
  const std::string authority = url.substr(host_start, path_start - host_start);
  const auto colon = authority.rfind(':');
  const std::string host = url.substr(0, host_start) + authority.substr(0, colon);
  const std::string port = colon == std::string::npos ? (url.rfind("https", 0) == 0 ? "443" : "80")
                                                      : authority.substr(colon + 1);
  // Agents of several sites may push to one gateway: the site and the extra labels are part of
  // the grouping key, or each agent's push would replace the others'.
  prometheus::Labels grouping(push.grouping.begin(), push.grouping.end());
  for (const auto& [name, value] : change.config.site_labels())
    grouping[name] = value;
  if (!change.config.agent.site.empty()) grouping["site"] = change.config.agent.site;
  gateway_ = std::make_shared<prometheus::Gateway>(host, port, push.job, grouping);
  for (const auto& collectable : collectables_)
    gateway_->RegisterCollectable(collectable);
  url_ = url;
  interval_ = push.interval;
  schedule();
}

void PushSink::stop() {
  stopped_ = true;
  timer_.cancel();
}

void PushSink::schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    push_now();
    schedule();
  });
}

void PushSink::push_now() {
  if (!gateway_) return;
  auto gateway = gateway_;
  const std::string url = url_;
  const bool queued = workers_.submit([this, gateway, url] {
    const int status = gateway->Push();
    boost::asio::post(io_, [this, status, url] {
      if (status < 200 || status >= 300) {
        failures_.Increment();
        log_.warn("push to " + url + " failed (HTTP status " + std::to_string(status) + ")");
      }
    });
  });
  if (!queued) {
    failures_.Increment();
    log_.warn("push to " + url + " skipped: worker pool busy");
  }
}

}  // namespace campus
