#pragma once
// Cancellation of one run: the runner fires it at the run's deadline, and a probe registers what
// to do then (close a socket, remove a curl transfer). Single-threaded: used only on the run's
// executor.

#include <cstdint>
#include <functional>
#include <map>

namespace campus {

class CancelSignal {
 public:
  /// Keeps a handler registered while it lives; destroy it before what the handler touches.
  class Scope {
   public:
    Scope() = default;
    Scope(CancelSignal* signal, std::uint64_t id) : signal_(signal), id_(id) {}
    Scope(Scope&& other) noexcept : signal_(other.signal_), id_(other.id_) {
      other.signal_ = nullptr;
    }
    Scope& operator=(Scope&& other) noexcept {
      std::swap(signal_, other.signal_);
      std::swap(id_, other.id_);
      return *this;
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() {
      if (signal_) signal_->handlers_.erase(id_);
    }

   private:
    CancelSignal* signal_ = nullptr;
    std::uint64_t id_ = 0;
  };

  /// Registers `handler` for as long as the returned scope lives; if already cancelled, it runs
  /// at once. Use this for handlers that touch objects of the probe's own frame.
  [[nodiscard]] Scope on_cancel(std::function<void()> handler) {
    if (cancelled_) {
      handler();
      return {};
    }
    const auto id = next_id_++;
    handlers_.emplace(id, std::move(handler));
    return Scope(this, id);
  }

  /// Registers a handler that stays valid however long the run's frame lives (it touches only
  /// long-lived objects, e.g. the curl driver, and tolerates running late).
  void on_cancel_unscoped(std::function<void()> handler) {
    if (cancelled_) {
      handler();
      return;
    }
    handlers_.emplace(next_id_++, std::move(handler));
  }

  /// Runs every registered handler once.
  void cancel() {
    if (cancelled_) return;
    cancelled_ = true;
    auto handlers = std::move(handlers_);
    handlers_.clear();
    for (auto& [id, h] : handlers)
      h();
  }
  bool cancelled() const { return cancelled_; }

 private:
  bool cancelled_ = false;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::function<void()>> handlers_;
};

}  // namespace campus
