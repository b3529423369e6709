#pragma once
// libcurl's multi-socket interface driven by a Boost.Asio io_context: curl tells us which
// sockets to watch and when to wake it, Asio watches them. No thread per transfer, no polling.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <curl/curl.h>

#include "net/cancel_signal.h"

namespace campus {

/// Runs curl transfers on one io_context. Not thread-safe: use it only from that io_context's
/// thread. Transfers' easy handles are owned by the caller and must outlive the transfer (until
/// its handler ran or cancel() returned).
class CurlDriver {
 public:
  using Handler = std::function<void(CURLcode)>;
  using TransferId = std::uint64_t;

  explicit CurlDriver(boost::asio::io_context& io);
  ~CurlDriver();
  CurlDriver(const CurlDriver&) = delete;
  CurlDriver& operator=(const CurlDriver&) = delete;

  /// Starts a transfer. `done` runs exactly once on the io_context with curl's result, unless the
  /// driver is destroyed first.
  TransferId start(CURL* easy, Handler done);
  /// Stops a transfer; its handler then runs with CURLE_ABORTED_BY_CALLBACK. No-op if finished.
  void cancel(TransferId id);
  std::size_t active() const { return transfers_.size(); }

  /// Awaitable/handler form of start(): completes with the CURLcode; firing `cancel` stops it.
  template <typename Token>
  auto async_perform(CURL* easy, CancelSignal& cancel, Token&& token) {
    return boost::asio::async_initiate<Token, void(CURLcode)>(
        [this, easy, &cancel](auto handler) {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          const TransferId id = start(easy, [shared](CURLcode rc) { (*shared)(rc); });
          cancel.on_cancel_unscoped([this, id] { this->cancel(id); });
        },
        token);
  }

 private:
  struct Socket {
    explicit Socket(boost::asio::io_context& io, curl_socket_t fd) : descriptor(io, fd), fd(fd) {}
    boost::asio::posix::stream_descriptor descriptor;
    curl_socket_t fd;
    int wanted = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false;
    bool writing = false;
    bool removed = false;
  };
  struct Transfer {
    CURL* easy;
    Handler done;
  };

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void arm_timer(std::chrono::steady_clock::time_point when);
  void on_timer_fired();
  void watch(const std::shared_ptr<Socket>& socket);
  void on_ready(const std::shared_ptr<Socket>& socket, bool readable);
  void on_timeout();
  void collect_finished();

  boost::asio::io_context& io_;
  CURLM* multi_;
  // curl moves its timeout many times per transfer. Re-arming an Asio timer each time costs a
  // timerfd update in the kernel, so the timer is moved only when curl wants to wake earlier;
  // when it wants to wake later, the early wake-up re-arms for `wanted_` instead.
  boost::asio::steady_timer timer_;
  std::optional<std::chrono::steady_clock::time_point> wanted_;  // when curl wants a timeout
  std::optional<std::chrono::steady_clock::time_point> armed_;   // when the timer fires
  bool timeout_posted_ = false;
  std::unordered_map<curl_socket_t, std::shared_ptr<Socket>> sockets_;
  std::unordered_map<TransferId, Transfer> transfers_;
  TransferId next_id_ = 1;
};

}  // namespace campus
