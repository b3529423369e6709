#include "daemon/listener_security.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/bcrypt.h"
#include "core/worker_pool.h"
#include "daemon/access_policy.h"
#include "http/tls_context.h"

namespace campus {
namespace {

namespace http = boost::beast::http;

// bcrypt verifications running at once. Each takes a worker for up to a quarter second: more
// would let a burst of wrong passwords hold every worker the probes and reports need. Beyond,
// the request is answered 503 and the client tries again.
constexpr std::size_t kMaxBcryptInFlight = 2;

HttpResponse guard_refusal(const HttpRequest& request, http::status status, std::string body) {
  return make_response(request, status, "text/plain; charset=utf-8", std::move(body));
}

}  // namespace

ListenerSecurity::ListenerSecurity(boost::asio::io_context& io, WorkerPool& workers, Logger& log,
                                   prometheus::Registry& registry)
    : io_(io), workers_(workers), failures_(log, registry) {}

std::optional<std::string> ListenerSecurity::prepare(const AgentSettings& agent,
                                                     Prepared& out) const {
  out = {};
  if (!agent.web) return std::nullopt;
  if (agent.web->tls) {
    try {
      out.tls = make_tls_context(*agent.web->tls);
    } catch (const std::exception& e) {
      return std::string("web config ") + agent.web->file + ": " + e.what();
    }
  }
  if (agent.web->has_credentials()) out.auth = std::make_shared<WebAuth>(agent.web);
  return std::nullopt;
}

void ListenerSecurity::apply(Prepared prepared) {
  tls_ = std::move(prepared.tls);
  auth_ = std::move(prepared.auth);
}

boost::asio::awaitable<std::optional<bool>> ListenerSecurity::verify_bcrypt(std::string password,
                                                                            std::string hash) {
  if (bcrypt_in_flight_ >= kMaxBcryptInFlight) co_return std::nullopt;
  ++bcrypt_in_flight_;
  // Released however the wait ends.
  const std::unique_ptr<std::size_t, void (*)(std::size_t*)> slot(&bcrypt_in_flight_,
                                                                  [](std::size_t* n) { --*n; });
  auto& io = io_;
  auto& workers = workers_;
  // A named initiation: GCC 12 destroys a temporary lambda argument of a co_await expression
  // twice.
  const auto initiation = [&io, &workers, password = std::move(password),
                           hash = std::move(hash)](auto handler) {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    const bool queued = workers.submit([shared, password, hash, &io] {
      const bool ok = bcrypt_matches(password, hash);
      boost::asio::post(io, [shared, ok] { (*shared)(ok); });
    });
    if (!queued) boost::asio::post(io, [shared] { (*shared)(false); });
  };
  const bool match =
      co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(bool)>(
          initiation, boost::asio::use_awaitable);
  co_return match;
}

boost::asio::awaitable<std::optional<HttpResponse>> ListenerSecurity::guard(
    const HttpRequest& request, const HttpPeer& peer) {
  // Held across the wait for bcrypt: a reload meanwhile does not pull the config away.
  const auto auth = auth_;
  if (!auth) co_return std::nullopt;
  const std::string_view target(request.target().data(), request.target().size());
  const Role needed = required_role(request.method(), target.substr(0, target.find('?')));
  const auto header = request[http::field::authorization];
  const WebAuth::Verifier verify = [this](std::string password, std::string hash) {
    return verify_bcrypt(std::move(password), std::move(hash));
  };
  const AuthVerdict verdict =
      co_await auth->authenticate(std::string_view(header.data(), header.size()), verify);
  if (verdict.outcome == AuthVerdict::Outcome::busy) {
    failures_.failed(peer.address, verdict.reason, "too many password checks at once");
    auto busy = guard_refusal(request, http::status::service_unavailable,
                              "too many logins being checked at once; try again in a second\n");
    busy.set(http::field::retry_after, "1");
    co_return busy;
  }
  if (verdict.outcome == AuthVerdict::Outcome::denied) {
    // Never the credential itself: the reason, and a user name only when it is a known one.
    std::string detail = std::string("authentication failed (") + verdict.reason + ")";
    if (!verdict.name.empty()) detail += " for user '" + verdict.name + "'";
    failures_.failed(peer.address, verdict.reason, detail);
    auto denied =
        guard_refusal(request, http::status::unauthorized,
                      "authentication required: HTTP Basic with a user of the agent's web "
                      "config, or a bearer token\n");
    denied.set(http::field::www_authenticate, "Basic realm=\"campus-probe\"");
    co_return denied;
  }
  failures_.succeeded(peer.address);
  if (verdict.role == Role::scraper && needed == Role::admin) {
    failures_.forbidden();
    co_return guard_refusal(request, http::status::forbidden,
                            "'" + verdict.name +
                                "' has the scraper role; this endpoint needs admin (roles: in the "
                                "agent's web config)\n");
  }
  co_return std::nullopt;
}

}  // namespace campus
