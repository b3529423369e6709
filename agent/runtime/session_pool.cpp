#include "runtime/session_pool.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/duration.h"
#include "runtime/check_plan.h"
#include "runtime/check_runner.h"

namespace campus {

struct SessionPool::State {
  explicit State(boost::asio::io_context& io) : wake(io) { wake.expires_at(never()); }
  static std::chrono::steady_clock::time_point never() {
    return std::chrono::steady_clock::time_point::max();
  }

  std::shared_ptr<const SessionLogin> session;
  std::shared_ptr<const SessionGrant> grant;  ///< the login checks start with, while valid
  std::chrono::steady_clock::time_point valid_until;
  bool logging_in = false;
  /// Checks waiting for the login under way wait on this timer; the login's end cancels it.
  boost::asio::steady_timer wake;
  std::optional<ProbeResult> failure;  ///< the last login's, when it failed
  std::chrono::steady_clock::time_point failed_at;
  std::uint64_t logins = 0;
  bool removed = false;
};

SessionPool::SessionPool(boost::asio::io_context& io, CheckRunner& runner)
    : io_(io), runner_(runner) {}

SessionPool::~SessionPool() {
  cancel_all();
}

void SessionPool::set_sessions(
    const std::map<std::string, std::shared_ptr<const SessionLogin>, std::less<>>& sessions) {
  std::map<std::string, std::shared_ptr<State>, std::less<>> next;
  for (const auto& [name, session] : sessions) {
    auto it = states_.find(name);
    if (it != states_.end() &&
        it->second->session->spec->fingerprint == session->spec->fingerprint) {
      it->second->session = session;
      next.emplace(name, it->second);
      states_.erase(it);
      continue;
    }
    auto state = std::make_shared<State>(io_);
    state->session = session;
    next.emplace(name, std::move(state));
  }
  // Sessions that are gone (or changed): their waiting checks learn it when they wake.
  for (auto& [name, state] : states_) {
    state->removed = true;
    state->wake.cancel();
  }
  states_ = std::move(next);
}

boost::asio::awaitable<SessionOutcome> SessionPool::acquire(std::string name) {
  for (;;) {
    auto it = states_.find(name);
    if (it == states_.end()) {
      co_return SessionOutcome{
          nullptr, ProbeResult::error("session \"" + name + "\" is not configured any more")};
    }
    std::shared_ptr<State> state = it->second;
    const auto now = std::chrono::steady_clock::now();
    if (state->grant && now < state->valid_until) co_return SessionOutcome{state->grant, {}};
    const SessionSpec& spec = *state->session->spec;
    if (state->failure && now < state->failed_at + spec.retry_after) {
      ProbeResult failure = *state->failure;
      const auto ago = std::chrono::duration_cast<Duration>(now - state->failed_at);
      const auto next =
          std::chrono::duration_cast<Duration>(state->failed_at + spec.retry_after - now);
      failure.reason = "session \"" + name + "\" login failed " + format_duration(ago) +
                       " ago: " + failure.reason + " (next login in " + format_duration(next) + ")";
      co_return SessionOutcome{nullptr, std::move(failure)};
    }
    if (!state->logging_in) start_login(state);
    boost::system::error_code ignored;
    co_await state->wake.async_wait(
        boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
    if (state->removed && states_.find(name) == states_.end()) {
      co_return SessionOutcome{
          nullptr, ProbeResult::error("session \"" + name + "\" is not configured any more")};
    }
    if (!state->logging_in && !state->grant && state->failure && state->failed_at >= now) {
      // The login this check waited for failed: say so in the check's words.
      ProbeResult failure = *state->failure;
      failure.reason = "session \"" + name + "\" login failed: " + failure.reason;
      co_return SessionOutcome{nullptr, std::move(failure)};
    }
  }
}

void SessionPool::start_login(const std::shared_ptr<State>& state) {
  state->logging_in = true;
  auto capture = std::make_shared<SessionCapture>();
  auto session = state->session;
  runner_.start(
      session->login,
      [this, state, capture, session](RunRecord record) {
        state->logging_in = false;
        const auto now = std::chrono::steady_clock::now();
        SessionLoginRecord login{session->spec, std::move(record), 0};
        if (login.run.result.verdict == Verdict::pass) {
          auto grant = std::make_shared<SessionGrant>();
          grant->name = session->spec->name;
          grant->login = ++state->logins;
          grant->logged_in_at = std::chrono::system_clock::now();
          grant->capture = std::move(*capture);
          for (const auto& url : session->spec->login_urls)
            grant->capture.login_urls.push_back(url);
          state->grant = std::move(grant);
          state->valid_until = now + session->spec->ttl;
          state->failure.reset();
          login.login = state->logins;
        } else {
          state->grant.reset();
          state->failure = login.run.result;
          state->failed_at = now;
        }
        state->wake.cancel();
        if (on_login_ && !state->removed) on_login_(std::move(login));
      },
      StepLog::on_failure, capture);
}

void SessionPool::reject(const SessionGrant& grant, const std::string& reason) {
  auto it = states_.find(grant.name);
  if (it == states_.end()) return;
  State& state = *it->second;
  if (!state.grant || state.grant->login != grant.login) return;  // already replaced
  state.grant.reset();
  if (on_lost_) on_lost_(*state.session->spec, reason);
}

void SessionPool::cancel_all() {
  for (auto& [name, state] : states_) {
    state->removed = true;
    state->wake.cancel();
  }
  states_.clear();
}

}  // namespace campus
