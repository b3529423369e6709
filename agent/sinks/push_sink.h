#pragma once
// The push sink: sends the metrics to a Pushgateway every `push.interval` and once more when the
// agent stops, for campuses whose Prometheus cannot scrape the agent. The push itself is a
// blocking HTTP call inside prometheus-cpp, so it runs on the worker pool.

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "core/logger.h"
#include "core/worker_pool.h"
#include "pipeline/result_pipeline.h"

namespace prometheus {
class Gateway;
}

namespace campus {

/// Not thread-safe: used on the io_context's thread only.
class PushSink final : public ResultSink {
 public:
  /// Registers campus_push_failures_total in `registry`; pushes `collectables` when configured.
  PushSink(boost::asio::io_context& io, WorkerPool& workers, Logger& log,
           prometheus::Registry& registry,
           std::vector<std::shared_ptr<prometheus::Collectable>> collectables);
  ~PushSink() override;

  /// Starts, restarts or stops pushing as the config's `push:` section says.
  void configure(const ConfigChange& change) override;
  void publish(const Publication&) override {}
  /// Pushes now (when configured), e.g. so the gateway holds the final state at shutdown.
  void push_now();
  /// Stops the periodic push.
  void stop();

 private:
  void schedule();

  boost::asio::io_context& io_;
  WorkerPool& workers_;
  Logger& log_;
  prometheus::Counter& failures_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<prometheus::Gateway> gateway_;
  std::string url_;
  Duration interval_{};
  bool stopped_ = false;
};

}  // namespace campus
