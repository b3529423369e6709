#pragma once
// The agent's HTTP endpoints: /metrics, /probe, /api/*, the status page and the /-/ lifecycle
// endpoints.

#include "http/http_server.h"

namespace campus {

class Daemon;

/// Answers one request. Runs on the daemon's io_context.
boost::asio::awaitable<HttpResponse> handle_http(Daemon& daemon, const HttpRequest& request);

}  // namespace campus
