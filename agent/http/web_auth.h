#pragma once
// Who a request comes from, by its Authorization header, against the users and tokens of the
// web config: Basic with bcrypt hashes, or Bearer tokens compared by their SHA-256. Successful
// Basic logins are remembered (by a SHA-256 of the credential, never the credential itself) so
// that a scraper asking every 15 s does not cost a bcrypt each time.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>  // boost/asio/awaitable.hpp in 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "config/web_config.h"

namespace prometheus {
class Registry;
class Counter;
template <typename T>
class Family;
}  // namespace prometheus

namespace campus {

class Logger;

/// An Authorization header taken apart. The secret is the password or the token.
struct PresentedCredential {
  enum class Kind { none, basic, bearer, malformed };
  Kind kind = Kind::none;
  std::string user;
  std::string secret;
};
PresentedCredential parse_authorization(std::string_view header);

/// The outcome of one authentication. `reason` names a failure for the metrics' label.
struct AuthVerdict {
  enum class Outcome { granted, denied, busy };
  Outcome outcome = Outcome::denied;
  std::string name;  ///< the user or token granted
  Role role = Role::scraper;
  const char* reason = "";  ///< missing, malformed, unknown_user, bad_password, bad_token
};

/// Checks credentials against one web config. Not thread-safe: used on the io_context's thread;
/// only the bcrypt itself runs elsewhere (through the verifier).
class WebAuth {
 public:
  /// Whether `password` matches the bcrypt `hash`, computed off the event loop; nullopt when no
  /// worker can take it now.
  using Verifier = std::function<boost::asio::awaitable<std::optional<bool>>(std::string password,
                                                                             std::string hash)>;

  explicit WebAuth(std::shared_ptr<const WebConfig> config, std::size_t cache_size = 256);

  const WebConfig& config() const { return *config_; }
  boost::asio::awaitable<AuthVerdict> authenticate(std::string_view authorization,
                                                   const Verifier& verify);
  /// Successful Basic logins remembered now.
  std::size_t cached() const { return cache_.size(); }

 private:
  AuthVerdict check_token(const std::string& token) const;
  void remember(std::string key, const std::string& name);

  std::shared_ptr<const WebConfig> config_;
  std::size_t cache_size_;
  std::map<std::string, std::string> cache_;  // SHA-256 of the credential -> user
  std::deque<std::string> cache_order_;       // oldest first, for eviction
};

/// Failed logins: counted by reason in campus_http_auth_failures_total and logged once per
/// episode per remote address: the first failure starts an episode, later ones are only
/// counted, and the episode ends with a success from that address (logged with the count) or
/// after `quiet` without failures. Not thread-safe: used on the io_context's thread.
class AuthFailures {
 public:
  AuthFailures(Logger& log, prometheus::Registry& registry,
               std::chrono::seconds quiet = std::chrono::minutes(10));

  void failed(const std::string& address, const char* reason, const std::string& detail);
  void succeeded(const std::string& address);
  /// An authenticated request above its role: counted, never logged (the status page asks for
  /// the evidence on behalf of scrapers as a matter of course).
  void forbidden();

 private:
  struct Episode {
    std::chrono::steady_clock::time_point since;
    std::chrono::steady_clock::time_point last;
    std::size_t count = 0;
  };
  Logger& log_;
  prometheus::Family<prometheus::Counter>& family_;
  std::chrono::seconds quiet_;
  std::map<std::string, Episode> episodes_;  // by remote address; bounded
};

}  // namespace campus
