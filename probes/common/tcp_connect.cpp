#include "common/tcp_connect.h"

#include <cerrno>

#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/curl_result.h"
#include "core/duration.h"

namespace campus {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Whether `ec` says the process could not open a socket for want of file descriptors.
bool no_descriptor_for_socket(const boost::system::error_code& ec) {
  return ec.category() == boost::system::system_category() &&
         (ec.value() == EMFILE || ec.value() == ENFILE);
}

}  // namespace

asio::awaitable<std::optional<ProbeResult>> resolve_and_connect(ProbeContext& ctx,
                                                                tcp::socket& socket,
                                                                const HostPort& target,
                                                                nlohmann::json& evidence,
                                                                ProbeResult& phases) {
  tcp::resolver resolver(ctx.executor);
  auto scope = ctx.cancel.on_cancel([&] {
    resolver.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  boost::system::error_code ec;
  const auto t0 = std::chrono::steady_clock::now();
  ctx.log.add("resolving ", target.host);
  auto endpoints = co_await resolver.async_resolve(target.host, std::to_string(target.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  const auto t1 = std::chrono::steady_clock::now();
  if (ec) {
    co_return ProbeResult::fail(
        ctx.cancel.cancelled() ? FailureKind::timeout : FailureKind::resolve,
        "cannot resolve " + target.host + ": " + ec.message(), evidence);
  }
  ctx.log.add("connecting to ", target.str());
  // The connect below says only "cancelled" when it cannot open a socket: open one first, so
  // that the agent's own lack of descriptors is not blamed on the target.
  if (!endpoints.empty() && !socket.is_open()) {
    socket.open(endpoints.begin()->endpoint().protocol(), ec);
  }
  if (no_descriptor_for_socket(ec)) {
    ctx.log.add("cannot open a socket: ", ec.message());
    ProbeResult r = ProbeResult::error(out_of_descriptors_reason(ec.value()));
    r.evidence = evidence;
    co_return r;
  }
  auto endpoint = co_await asio::async_connect(socket, endpoints,
                                               asio::redirect_error(asio::use_awaitable, ec));
  const auto t2 = std::chrono::steady_clock::now();
  if (ec) {
    co_return ProbeResult::fail(
        ctx.cancel.cancelled() ? FailureKind::timeout : FailureKind::connect,
        "cannot connect to " + target.str() + ": " + ec.message(), evidence);
  }
  const std::string peer = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  evidence["peer"] = peer;
  ctx.log.add("connected to ", peer);
  phases.phase("dns", to_seconds(t1 - t0));
  phases.phase("connect", to_seconds(t2 - t1));
  co_return std::nullopt;
}

}  // namespace campus
