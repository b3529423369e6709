#include "http/http_server.h"

#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "core/logger.h"

namespace campus {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct HttpServer::Connection {
  /// The TCP layer of the connection's stream (plain, or under TLS), which lives in serve().
  beast::tcp_stream* tcp = nullptr;
  std::list<Connection*>::iterator at;
  bool listed = false;
  /// Handling or answering a request: never closed to make room.
  bool busy = false;
  Clock::time_point idle_since = Clock::now();
};

struct HttpServer::Metrics {
  explicit Metrics(prometheus::Registry& registry)
      : open(prometheus::BuildGauge()
                 .Name("campus_http_connections")
                 .Help("Connections open on the agent's HTTP listener")
                 .Register(registry)
                 .Add({})),
        limit(prometheus::BuildGauge()
                  .Name("campus_http_connections_limit")
                  .Help("The most connections the HTTP listener keeps open (agent.max_connections)")
                  .Register(registry)
                  .Add({})),
        rejected_family(prometheus::BuildCounter()
                            .Name("campus_http_connections_rejected_total")
                            .Help("Connections the HTTP listener could not take: every slot busy "
                                  "(cap), or no file descriptor left (descriptors)")
                            .Register(registry)),
        closed_family(prometheus::BuildCounter()
                          .Name("campus_http_connections_closed_total")
                          .Help("Connections the HTTP listener closed on its own, by reason")
                          .Register(registry)),
        rejected_cap(rejected_family.Add({{"reason", "cap"}})),
        rejected_descriptors(rejected_family.Add({{"reason", "descriptors"}})),
        closed_evicted(closed_family.Add({{"reason", "evicted"}})),
        closed_read_timeout(closed_family.Add({{"reason", "read_timeout"}})),
        closed_idle_timeout(closed_family.Add({{"reason", "idle_timeout"}})),
        closed_too_large(closed_family.Add({{"reason", "too_large"}})),
        closed_tls_handshake(closed_family.Add({{"reason", "tls_handshake"}})) {}

  prometheus::Gauge& open;
  prometheus::Gauge& limit;
  prometheus::Family<prometheus::Counter>& rejected_family;
  prometheus::Family<prometheus::Counter>& closed_family;
  prometheus::Counter& rejected_cap;
  prometheus::Counter& rejected_descriptors;
  prometheus::Counter& closed_evicted;
  prometheus::Counter& closed_read_timeout;
  prometheus::Counter& closed_idle_timeout;
  prometheus::Counter& closed_too_large;
  prometheus::Counter& closed_tls_handshake;
};

namespace {

std::string seconds_since(Clock::time_point since) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - since).count()) +
         " s";
}

std::string open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return "unknown";
  return std::to_string(limit.rlim_cur);
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, const std::string& host, std::uint16_t port,
                       Handler handler, HttpServerOptions options)
    : io_(io), acceptor_(io), handler_(std::move(handler)), options_(options) {
  const tcp::endpoint endpoint(asio::ip::make_address(host), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  if (options_.max_connections == 0) options_.max_connections = 1;
  if (options_.metrics) {
    metrics_ = std::make_unique<Metrics>(*options_.metrics);
    metrics_->limit.Set(double(options_.max_connections));
  }
}

HttpServer::~HttpServer() {
  *alive_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  // Wake every connection: its coroutine sees `alive` false and ends without touching this.
  for (Connection* c : open_) {
    c->listed = false;
    c->tcp->socket().close(ignored);
  }
  open_.clear();
}

void HttpServer::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void HttpServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void HttpServer::set_max_connections(std::size_t max) {
  options_.max_connections = max == 0 ? 1 : max;
  if (metrics_) metrics_->limit.Set(double(options_.max_connections));
}

asio::awaitable<void> HttpServer::accept_loop() {
  auto alive = alive_;
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (!*alive || !acceptor_.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::no_descriptors ||
          ec == boost::system::errc::too_many_files_open_in_system) {
        descriptors_exhausted(ec);
      }
      // Pause briefly rather than spin (the connection waits in the backlog), then keep serving.
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!*alive) co_return;
      continue;
    }
    accepted();
    if (open_.size() >= options_.max_connections) {
      const bool evicted = evict_idle();
      cap_reached(evicted);
      if (!evicted) {
        // Every slot is answering a request: refuse this one now rather than hold a descriptor
        // the probes may need.
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
    }
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

bool HttpServer::evict_idle() {
  Connection* victim = nullptr;
  for (Connection* c : open_) {
    if (!c->busy && (!victim || c->idle_since < victim->idle_since)) victim = c;
  }
  if (!victim) return false;
  open_.erase(victim->at);
  victim->listed = false;
  boost::system::error_code ignored;
  victim->tcp->socket().close(ignored);  // its coroutine wakes with an error and ends
  if (metrics_) {
    metrics_->closed_evicted.Increment();
    metrics_->open.Set(double(open_.size()));
  }
  return true;
}

void HttpServer::cap_reached(bool evicted) {
  if (metrics_ && !evicted) metrics_->rejected_cap.Increment();
  auto& e = cap_episode_;
  if (!e.on) {
    e = {true, Clock::now(), 0, 0};
    if (options_.log) {
      options_.log->warn(
          "HTTP listener: " + std::to_string(options_.max_connections) +
          " connections open, its cap (agent.max_connections); new connections now replace idle "
          "ones, or are closed while every connection is busy");
    }
  }
  ++(evicted ? e.evicted : e.refused);
}

void HttpServer::closed(Connection& connection, CloseReason reason) {
  if (connection.listed) {
    open_.erase(connection.at);
    connection.listed = false;
  }
  if (metrics_) {
    metrics_->open.Set(double(open_.size()));
    if (reason == CloseReason::read_timeout) metrics_->closed_read_timeout.Increment();
    if (reason == CloseReason::idle_timeout) metrics_->closed_idle_timeout.Increment();
    if (reason == CloseReason::tls_handshake) metrics_->closed_tls_handshake.Increment();
  }
  // The episode ends once a quarter of the slots are free again.
  auto& e = cap_episode_;
  if (e.on && open_.size() <= options_.max_connections * 3 / 4) {
    e.on = false;
    if (options_.log) {
      options_.log->info("HTTP listener below its cap of " +
                         std::to_string(options_.max_connections) + " connections again after " +
                         seconds_since(e.since) + ": " + std::to_string(e.evicted) +
                         " idle connection(s) closed to make room, " + std::to_string(e.refused) +
                         " new connection(s) refused");
    }
  }
}

void HttpServer::descriptors_exhausted(const boost::system::error_code& ec) {
  if (metrics_) metrics_->rejected_descriptors.Increment();
  auto& e = fd_episode_;
  if (!e.on) {
    e = {true, Clock::now(), 0, 0};
    if (options_.log) {
      options_.log->error("HTTP listener cannot accept connections: " + ec.message() +
                          " (open-files limit " + open_files_limit() + ", " +
                          std::to_string(open_.size()) +
                          " listener connections open); probes cannot open connections either. "
                          "Raise LimitNOFILE, or lower agent.concurrency");
    }
  }
  ++e.refused;
}

void HttpServer::accepted() {
  auto& e = fd_episode_;
  if (!e.on) return;
  e.on = false;
  if (options_.log) {
    options_.log->info("HTTP listener accepts connections again after " + seconds_since(e.since) +
                       " without file descriptors (" + std::to_string(e.refused) +
                       " failed accept(s))");
  }
}

asio::awaitable<void> HttpServer::serve(tcp::socket socket) {
  auto alive = alive_;
  // Held for the connection's life: a reload may put a new context in place meanwhile.
  const auto tls = tls_;
  HttpPeer peer;
  peer.tls = tls != nullptr;
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (!ec) peer.address = remote.address().to_string();
  Connection connection;
  connection.at = open_.insert(open_.end(), &connection);
  connection.listed = true;
  if (metrics_) metrics_->open.Set(double(open_.size()));
  std::optional<CloseReason> reason;
  if (tls) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
    connection.tcp = &beast::get_lowest_layer(stream);
    // The handshake is part of the first request's time: a client that opens a connection and
    // never finishes the handshake holds a slot no longer than one that never sends headers.
    connection.tcp->expires_after(options_.read_timeout);
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (!*alive) co_return;
    if (ec) {
      reason = ec == beast::error::timeout ? CloseReason::read_timeout : CloseReason::tls_handshake;
    } else {
      reason = co_await exchange(stream, connection, peer);
      if (!reason) co_return;
    }
  } else {
    beast::tcp_stream stream(std::move(socket));
    connection.tcp = &stream;
    reason = co_await exchange(stream, connection, peer);
    if (!reason) co_return;
  }
  closed(connection, *reason);
}

template <typename Stream>
asio::awaitable<std::optional<HttpServer::CloseReason>> HttpServer::exchange(Stream& stream,
                                                                             Connection& connection,
                                                                             const HttpPeer& peer) {
  auto alive = alive_;
  auto& lowest = *connection.tcp;
  beast::flat_buffer buffer;
  auto reason = CloseReason::peer;  // why the connection ends, for the metrics
  bool first = true;
  for (;;) {
    boost::system::error_code ec;
    connection.busy = false;
    connection.idle_since = Clock::now();
    if (buffer.size() == 0) {
      // Waiting for a request: a new connection must start one within the read timeout (one that
      // says nothing only holds a descriptor), a kept-alive one within the idle timeout.
      lowest.expires_after(first ? options_.read_timeout : options_.idle_timeout);
      const std::size_t n = co_await stream.async_read_some(
          buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
      if (!*alive) co_return std::nullopt;
      if (ec) {
        if (ec == beast::error::timeout)
          reason = first ? CloseReason::read_timeout : CloseReason::idle_timeout;
        break;
      }
      buffer.commit(n);
    }
    // The whole request, headers and body, within the read timeout: a client that trickles its
    // headers (slowloris) is cut off then.
    http::request_parser<http::string_body> parser;
    parser.header_limit(options_.header_limit);
    parser.body_limit(options_.body_limit);
    lowest.expires_after(options_.read_timeout);
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (!*alive) co_return std::nullopt;
    if (ec == http::error::header_limit || ec == http::error::body_limit) {
      const bool header = ec == http::error::header_limit;
      HttpResponse refusal(
          header ? http::status::request_header_fields_too_large : http::status::payload_too_large,
          11);
      refusal.set(http::field::server, "campus-probe");
      refusal.set(http::field::content_type, "text/plain; charset=utf-8");
      refusal.body() =
          header
              ? "request headers larger than " + std::to_string(options_.header_limit) + " bytes\n"
              : "request body larger than " + std::to_string(options_.body_limit) + " bytes\n";
      refusal.keep_alive(false);
      refusal.prepare_payload();
      // Counted now, not when the connection ends: the drain below may take a second.
      if (metrics_) metrics_->closed_too_large.Increment();
      connection.busy = true;
      lowest.expires_after(options_.write_timeout);
      co_await http::async_write(stream, refusal, asio::redirect_error(asio::use_awaitable, ec));
      if (!*alive) co_return std::nullopt;
      reason = CloseReason::too_large;
      if (!ec) {
        // Read and drop what the client is still sending, briefly and boundedly, so that closing
        // does not reset the connection before the client has read the answer.
        lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
        lowest.expires_after(std::chrono::seconds(1));
        std::size_t drained = 0;
        char sink[4096];
        while (!ec && drained < options_.body_limit) {
          drained += co_await stream.async_read_some(asio::buffer(sink),
                                                     asio::redirect_error(asio::use_awaitable, ec));
          if (!*alive) co_return std::nullopt;
        }
      }
      break;
    }
    if (ec) {
      if (ec == beast::error::timeout) reason = CloseReason::read_timeout;
      break;
    }
    connection.busy = true;
    HttpRequest request = parser.release();
    HttpResponse response;
    try {
      std::optional<HttpResponse> refusal;
      if (options_.guard) refusal = co_await options_.guard(request, peer);
      if (!*alive) co_return std::nullopt;
      if (refusal) {
        response = std::move(*refusal);
      } else {
        response = co_await handler_(request);
      }
    } catch (const std::exception& e) {
      response = make_response(request, http::status::internal_server_error, "text/plain",
                               std::string("internal error: ") + e.what() + "\n");
    }
    if (!*alive) co_return std::nullopt;
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    if (request.method() == http::verb::head) {
      // The same headers as GET, Content-Length included, and no body (RFC 9110 §9.3.2).
      const auto length = response.body().size();
      response.body().clear();
      response.content_length(length);
    }
    lowest.expires_after(options_.write_timeout);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (!*alive) co_return std::nullopt;
    if (ec || !response.keep_alive()) break;
    first = false;
  }
  boost::system::error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_send, ignored);
  co_return reason;
}

HttpResponse make_response(const HttpRequest& request, http::status status,
                           std::string content_type, std::string body) {
  HttpResponse response(status, request.version());
  response.set(http::field::server, "campus-probe");
  response.set(http::field::content_type, content_type);
  response.body() = std::move(body);
  return response;
}

}  // namespace campus
