#pragma once
// The listener's TLS and authentication as the running agent applies them: built from the
// config's web config at start and on every reload, and asked about every request.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "config/config.h"
#include "http/http_server.h"
#include "http/web_auth.h"

namespace campus {

class Logger;
class WorkerPool;

/// Not thread-safe: used on the daemon's io_context thread (bcrypt runs on the worker pool).
class ListenerSecurity {
 public:
  ListenerSecurity(boost::asio::io_context& io, WorkerPool& workers, Logger& log,
                   prometheus::Registry& registry);

  /// Prepares the TLS context and the credentials of `agent` without applying them: the
  /// certificate, key and CA files are read now. Returns the problem, or nothing.
  struct Prepared {
    std::shared_ptr<boost::asio::ssl::context> tls;
    std::shared_ptr<WebAuth> auth;
  };
  std::optional<std::string> prepare(const AgentSettings& agent, Prepared& out) const;
  /// Puts prepared state in place: new connections get the new TLS context, new requests the new
  /// credentials (and an empty cache of verified ones).
  void apply(Prepared prepared);

  std::shared_ptr<boost::asio::ssl::context> tls() const { return tls_; }
  /// The HttpServer's guard: 401 without valid credentials, 403 below the endpoint's role,
  /// nothing when the request may go on.
  boost::asio::awaitable<std::optional<HttpResponse>> guard(const HttpRequest& request,
                                                            const HttpPeer& peer);

 private:
  boost::asio::awaitable<std::optional<bool>> verify_bcrypt(std::string password, std::string hash);

  boost::asio::io_context& io_;
  WorkerPool& workers_;
  AuthFailures failures_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<WebAuth> auth_;  // nullptr: every request goes through
  std::size_t bcrypt_in_flight_ = 0;
};

}  // namespace campus
