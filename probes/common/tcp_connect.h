#pragma once
// The first two steps of every socket probe: resolve the target and connect to it, with the
// step log, the dns and connect phases, and the right failure kind for each way it can go wrong.

#include <optional>
#include <utility>  // boost/asio/awaitable.hpp in 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "net/host_port.h"
#include "probe/probe.h"

namespace campus {

/// Resolves `target` and connects `socket` to it; registers with ctx.cancel so a deadline aborts
/// either step. On success adds the `dns` and `connect` phases to `phases`, records the peer in
/// `evidence` and returns nullopt; on failure returns the failing result (kind resolve, connect
/// or timeout) carrying `evidence`.
boost::asio::awaitable<std::optional<ProbeResult>> resolve_and_connect(
    ProbeContext& ctx, boost::asio::ip::tcp::socket& socket, const HostPort& target,
    nlohmann::json& evidence, ProbeResult& phases);

}  // namespace campus
