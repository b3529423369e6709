#pragma once
// Shared logins at run time. A check that names a session asks the pool for its current login;
// the pool logs the session in when it has none (or its ttl has passed, or a check was sent
// back to log in), one login at a time per session: a check that asks while a login is under
// way waits for that login instead of starting another, so a test account never logs in twice
// at once. A failed login is not tried again before the session's retry_after, so a wrong
// password does not get the account locked; checks fail with the login's reason meanwhile.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>  // boost/asio/awaitable.hpp in 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "pipeline/run_record.h"
#include "probe/result.h"
#include "probe/session.h"

namespace campus {

struct SessionLogin;
class CheckRunner;

/// What a check gets from the pool: a login to start with, or why there is none.
struct SessionOutcome {
  std::shared_ptr<const SessionGrant> grant;
  ProbeResult failure;  ///< when grant is null: the check's result, naming the session
};

/// Not thread-safe: used on its io_context's thread only.
class SessionPool {
 public:
  using LoginObserver = std::function<void(SessionLoginRecord)>;
  using LostObserver = std::function<void(const SessionSpec&, const std::string& reason)>;

  SessionPool(boost::asio::io_context& io, CheckRunner& runner);
  ~SessionPool();

  void on_login(LoginObserver observer) { on_login_ = std::move(observer); }
  void on_lost(LostObserver observer) { on_lost_ = std::move(observer); }

  /// Makes `sessions` the configured set. A session whose fingerprint is unchanged keeps its
  /// login; a changed or new one logs in when a check first needs it.
  void set_sessions(
      const std::map<std::string, std::shared_ptr<const SessionLogin>, std::less<>>& sessions);

  /// The current login of session `name`, logging in first when needed.
  boost::asio::awaitable<SessionOutcome> acquire(std::string name);
  /// A check of `grant` was sent back to log in: the next acquire() logs in again, unless
  /// another check has already done so.
  void reject(const SessionGrant& grant, const std::string& reason);
  /// Wakes every waiting check (to find its run cancelled); logins in flight are the runner's.
  void cancel_all();

 private:
  struct State;
  void start_login(const std::shared_ptr<State>& state);

  boost::asio::io_context& io_;
  CheckRunner& runner_;
  LoginObserver on_login_;
  LostObserver on_lost_;
  std::map<std::string, std::shared_ptr<State>, std::less<>> states_;
};

}  // namespace campus
