#pragma once
// The agent's one HTTP listener (Boost.Beast on the agent's io_context). Routing is the caller's
// business: every request goes to one handler coroutine.
//
// The listener shares the process's file descriptors with the probes, so it keeps to its own
// share: at most `max_connections` open at once. At the cap a new connection takes the place of
// the connection that has waited longest without a request in progress (an idle keep-alive
// connection, or one still sending its headers); when every connection is busy with a request the
// new one is closed at once. Connections that say nothing, or send their headers too slowly
// (slowloris), are closed after the read timeout; kept-alive connections after the idle timeout.
// Requests whose headers or body exceed the limits get 431 or 413 and are closed, never buffered.
// With a TLS context the listener speaks only TLS; the handshake counts under the read timeout.

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // boost/asio/awaitable.hpp in 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace prometheus {
class Registry;
class Gauge;
class Counter;
}  // namespace prometheus

namespace campus {

class Logger;

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// Who sent a request, as far as the connection tells.
struct HttpPeer {
  std::string address;  ///< the remote IP address
  bool tls = false;     ///< over TLS (with a verified client certificate if the context asks)
};

/// Looks at each request before the handler: an answer (401, 403, ...) is sent instead of the
/// handler's; nullopt lets the request through.
using HttpGuard = std::function<boost::asio::awaitable<std::optional<HttpResponse>>(
    const HttpRequest&, const HttpPeer&)>;

struct HttpServerOptions {
  std::size_t max_connections = 256;
  /// From a request's first byte (or a new connection's start) to its last: headers and body.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(10);
  /// A kept-alive connection waiting for its next request.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
  /// Request line and header fields; more is answered 431.
  std::uint32_t header_limit = 16 * 1024;
  /// Request body; more is answered 413 (the API's JSON bodies are a few hundred bytes).
  std::uint64_t body_limit = 1 << 20;
  /// Where the cap and descriptor exhaustion are reported (once per episode); nullptr: nowhere.
  Logger* log = nullptr;
  /// Where campus_http_connections* go; nullptr: nowhere. Must outlive the server.
  prometheus::Registry* metrics = nullptr;
  /// Asked about every request before the handler; empty: every request goes through.
  HttpGuard guard;
};

/// Not thread-safe: used on its io_context's thread only.
class HttpServer {
 public:
  using Handler = std::function<boost::asio::awaitable<HttpResponse>(const HttpRequest&)>;

  /// Binds host:port at once (port 0 picks a free port); throws boost::system::system_error when
  /// the address is taken or invalid.
  HttpServer(boost::asio::io_context& io, const std::string& host, std::uint16_t port,
             Handler handler, HttpServerOptions options = {});
  ~HttpServer();

  void start();
  /// Stops accepting; open connections end after their current request.
  void stop();
  std::uint16_t port() const { return port_; }
  /// A new cap applies to connections accepted from now on.
  void set_max_connections(std::size_t max);
  std::size_t connections() const { return open_.size(); }
  /// Serves TLS with `context` to connections accepted from now on; nullptr: plain HTTP. Open
  /// connections keep the context they started with.
  void set_tls(std::shared_ptr<boost::asio::ssl::context> context) { tls_ = std::move(context); }
  bool tls() const { return tls_ != nullptr; }

 private:
  struct Connection;
  struct Metrics;
  enum class CloseReason { peer, read_timeout, idle_timeout, too_large, tls_handshake };

  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
  /// Requests and answers on one connection until it ends; nullopt when the server went away.
  template <typename Stream>
  boost::asio::awaitable<std::optional<CloseReason>> exchange(Stream& stream,
                                                              Connection& connection,
                                                              const HttpPeer& peer);
  /// Closes the connection idle for longest to make room; false when all are busy.
  bool evict_idle();
  void closed(Connection& connection, CloseReason reason);
  void cap_reached(bool evicted);
  void descriptors_exhausted(const boost::system::error_code& ec);
  void accepted();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
  HttpServerOptions options_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::uint16_t port_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::list<Connection*> open_;  // oldest first; each owned by its serve() coroutine
  std::unique_ptr<Metrics> metrics_;
  // One log line when an episode starts and one when it ends, with the counts in between.
  struct Episode {
    bool on = false;
    std::chrono::steady_clock::time_point since;
    std::size_t evicted = 0;
    std::size_t refused = 0;
  };
  Episode cap_episode_;
  Episode fd_episode_;
};

/// A plain response with the given status, content type and body.
HttpResponse make_response(const HttpRequest& request, boost::beast::http::status status,
                           std::string content_type, std::string body);

}  // namespace campus
