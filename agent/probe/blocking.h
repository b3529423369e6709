#pragma once
// Runs a blocking call (libldap, a plugin) on the worker pool and resumes the probe on its own
// executor with the result. If the run is cancelled first (its deadline passed), the probe
// resumes at once with nothing; the call finishes in the background and its result is dropped.

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/worker_pool.h"
#include "probe/probe.h"

namespace campus {

/// Completes with the work's result, or nullopt when the run was cancelled first. Throws
/// std::runtime_error when the worker pool's queue is full. Pass a named std::function: GCC 12
/// destroys a temporary lambda argument of a co_await expression twice.
template <typename T>
boost::asio::awaitable<std::optional<T>> run_blocking(ProbeContext& ctx, std::function<T()> work) {
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(std::optional<T>)>(
      [&ctx, work = std::move(work)](auto handler) mutable {
        using Handler = decltype(handler);
        struct State {
          std::optional<Handler> handler;
        };
        auto state = std::make_shared<State>();
        state->handler.emplace(std::move(handler));
        auto complete = [state](std::optional<T> value) {
          if (!state->handler) return;  // already completed the other way
          Handler h = std::move(*state->handler);
          state->handler.reset();
          std::move(h)(std::move(value));
        };
        auto executor = ctx.executor;
        const bool queued = ctx.workers.submit([work = std::move(work), executor, complete]() {
          auto result = std::make_shared<T>(work());
          boost::asio::post(executor, [complete, result] { complete(std::move(*result)); });
        });
        if (!queued) throw std::runtime_error("the worker pool is full; try a longer interval");
        ctx.cancel.on_cancel_unscoped([complete] { complete(std::nullopt); });
      },
      boost::asio::use_awaitable);
}

}  // namespace campus
