#include "daemon/timestamper.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "core/encoding.h"

namespace campus {
namespace {

constexpr std::size_t kMaxReplyBytes = 1 << 20;  // a token is a few KiB
constexpr auto kMaxBackoff = std::chrono::minutes(5);

std::size_t collect_reply(char* data, std::size_t size, std::size_t count, void* out) {
  auto& reply = *static_cast<std::string*>(out);
  if (reply.size() + size * count > kMaxReplyBytes) return 0;  // aborts the transfer
  reply.append(data, size * count);
  return size * count;
}

prometheus::Family<prometheus::Counter>& timestamp_results(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("campus_evidence_timestamps_total")
      .Help("Trusted timestamps (RFC 3161) of evidence checkpoints asked for, by result")
      .Register(registry);
}

}  // namespace

Timestamper::Timestamper(boost::asio::io_context& io, CurlDriver& curl, Logger& log,
                         prometheus::Registry& registry, std::string url, Duration timeout)
    : io_(io),
      curl_(curl),
      log_(log),
      url_(std::move(url)),
      timeout_(timeout),
      granted_(timestamp_results(registry).Add({{"result", "granted"}})),
      failed_(timestamp_results(registry).Add({{"result", "failed"}})),
      pending_gauge_(prometheus::BuildGauge()
                         .Name("campus_evidence_timestamp_pending")
                         .Help("1 while a signed checkpoint waits for its trusted timestamp (the "
                               "time-stamping authority is slow or down)")
                         .Register(registry)
                         .Add({})),
      last_time_(prometheus::BuildGauge()
                     .Name("campus_evidence_timestamp_last_seconds")
                     .Help("The time the authority put in the newest timestamp token (Unix)")
                     .Register(registry)
                     .Add({})),
      retry_timer_(io) {}

void Timestamper::checkpoint(SignedPoint point) {
  boost::asio::post(
      io_, [this, point = std::move(point)]() mutable { on_checkpoint(std::move(point)); });
}

void Timestamper::on_checkpoint(SignedPoint point) {
  if (stopped_) return;
  pending_ = std::move(point);
  pending_gauge_.Set(1);
  if (!transfer_ && !retrying_) request();
}

void Timestamper::request() {
  if (stopped_ || !pending_ || !evidence_) return;
  asking_ = pending_;
  try {
    query_ = make_timestamp_query(asking_->hash);
  } catch (const std::exception& e) {
    log_.error("evidence timestamp: " + std::string(e.what()));
    pending_.reset();
    pending_gauge_.Set(0);
    return;
  }
  easy_ = make_curl_easy();
  headers_.emplace();
  headers_->append("Content-Type: application/timestamp-query");
  headers_->append("Accept: application/timestamp-reply");
  reply_.clear();
  CURL* e = easy_.get();
  curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, query_->der.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, long(query_->der.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_->get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect_reply);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &reply_);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                   long(std::chrono::duration_cast<std::chrono::milliseconds>(timeout_).count()));
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  transfer_ = curl_.start(e, [this](CURLcode code) { done(code); });
}

void Timestamper::done(CURLcode code) {
  transfer_.reset();
  if (stopped_) return;
  long status = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &status);
  if (code != CURLE_OK) return retry_later(curl_easy_strerror(code));
  if (status != 200) return retry_later("HTTP " + std::to_string(status));
  TimestampToken token;
  try {
    token = read_timestamp_reply(reply_, *query_);
  } catch (const std::exception& e) {
    return retry_later(e.what());
  }
  granted_.Increment();
  last_time_.Set(std::chrono::duration<double>(token.gen_time.time_since_epoch()).count());
  if (failures_in_a_row_ > 0) {
    log_.info("evidence timestamp: " + url_ + " answers again after " +
              std::to_string(failures_in_a_row_) + " failed attempt(s)");
  }
  failures_in_a_row_ = 0;
  backoff_ = std::chrono::seconds(1);
  evidence_->append(
      {{"type", "timestamp"},
       {"checkpoint", {{"seq", asking_->seq}, {"hash", asking_->hash}, {"time", asking_->time}}},
       {"tsa", url_},
       {"gen_time", rfc3339_utc(token.gen_time)},
       {"token", base64_encode(token.der)}});
  // A newer checkpoint came while this one was asked for: its token covers this one too.
  if (pending_ && pending_->seq == asking_->seq) {
    pending_.reset();
    pending_gauge_.Set(0);
  }
  asking_.reset();
  if (pending_) request();
}

void Timestamper::retry_later(const std::string& reason) {
  failed_.Increment();
  // Said once when the authority stops answering, then only by the metrics until it is back.
  if (failures_in_a_row_++ == 0) {
    log_.warn("evidence timestamp: " + url_ + " failed (" + reason + "); retrying with backoff");
  }
  asking_.reset();
  retrying_ = true;
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min<Duration>(backoff_ * 2, kMaxBackoff);
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    retrying_ = false;
    if (!ec) request();
  });
}

void Timestamper::stop() {
  stopped_ = true;
  retry_timer_.cancel();
  if (transfer_) curl_.cancel(*transfer_);
}

}  // namespace campus
