#pragma once
// Takes RFC 3161 timestamps of the evidence chain: when the log has written a signed checkpoint,
// asks the time-stamping authority for a token over its hash (libcurl on the agent's io_context,
// so probing never waits for it) and appends the token to the log as a `timestamp` record. While
// the TSA is down it retries with backoff, always for the newest checkpoint (whose hash covers
// every older one), and says so in its metrics.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "core/duration.h"
#include "core/logger.h"
#include "evidence/evidence_log.h"
#include "evidence/timestamp.h"
#include "net/curl_driver.h"
#include "net/curl_handles.h"

namespace campus {

class Timestamper {
 public:
  Timestamper(boost::asio::io_context& io, CurlDriver& curl, Logger& log,
              prometheus::Registry& registry, std::string url, Duration timeout);
  Timestamper(const Timestamper&) = delete;
  Timestamper& operator=(const Timestamper&) = delete;

  /// Where the tokens go; before the first checkpoint is handled.
  void attach(EvidenceLog& evidence) { evidence_ = &evidence; }
  /// A signed record is on disk. Thread-safe (called on the evidence writer's thread).
  void checkpoint(SignedPoint point);
  /// Abandons the request in flight and any retry (the agent is stopping).
  void stop();

 private:
  void on_checkpoint(SignedPoint point);
  void request();
  void done(CURLcode code);
  void retry_later(const std::string& reason);

  boost::asio::io_context& io_;
  CurlDriver& curl_;
  Logger& log_;
  std::string url_;
  Duration timeout_;
  EvidenceLog* evidence_ = nullptr;
  prometheus::Counter& granted_;
  prometheus::Counter& failed_;
  prometheus::Gauge& pending_gauge_;
  prometheus::Gauge& last_time_;

  // io_context thread only.
  std::optional<SignedPoint> pending_;  // the newest checkpoint without a token
  std::optional<SignedPoint> asking_;   // the one the request in flight is for
  std::optional<TimestampQuery> query_;
  std::optional<CurlDriver::TransferId> transfer_;
  CurlEasy easy_;
  std::optional<CurlList> headers_;
  std::string reply_;
  boost::asio::steady_timer retry_timer_;
  Duration backoff_ = std::chrono::seconds(1);
  bool retrying_ = false;
  int failures_in_a_row_ = 0;
  bool stopped_ = false;
};

}  // namespace campus
