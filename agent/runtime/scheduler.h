#pragma once
// When checks run: one steady timer per check, first runs spread over the interval (stable per
// check id, so restarts keep the rhythm), never two runs of a check at once, and at most
// `concurrency` runs in flight with the rest queued in order. Policy lives here, not in probes.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "runtime/check_plan.h"
#include "runtime/check_runner.h"

namespace campus {

/// Where in its interval a check first runs: a hash of its id, so that 1,000 checks at 60 s do
/// not fire together and a check keeps its slot across restarts.
Duration spread_offset(std::string_view check_id, Duration interval);

/// Not thread-safe: used on its io_context's thread only.
class Scheduler {
 public:
  using ResultHandler = std::function<void(RunRecord)>;
  /// Called with how late each run started, in seconds.
  using LagObserver = std::function<void(double)>;
  /// Called when a run is skipped because the previous one is still going.
  using SkipObserver = std::function<void(const CheckSpec&)>;
  /// Called when a check with an `active:` window enters (true) or leaves (false) it.
  using WindowObserver = std::function<void(const CheckSpec&, bool in_window)>;

  Scheduler(boost::asio::io_context& io, CheckRunner& runner, int concurrency,
            ResultHandler on_result);
  /// Stops; runs still in flight finish (or are cancelled by the runner) without calling back.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void on_lag(LagObserver observer) { on_lag_ = std::move(observer); }
  void on_skip(SkipObserver observer) { on_skip_ = std::move(observer); }
  void on_window(WindowObserver observer) { on_window_ = std::move(observer); }
  void set_concurrency(int concurrency);

  /// Makes `checks` the scheduled set. A check whose fingerprint is unchanged keeps its timer
  /// and any run in flight; a changed one is rescheduled; a removed one is dropped (a run in
  /// flight finishes, but its result is not reported).
  void set_checks(const std::vector<std::shared_ptr<const Check>>& checks);
  /// Stops scheduling; runs in flight go on.
  void stop();

  std::size_t running() const { return std::size_t(running_); }
  std::size_t queued() const { return queue_.size(); }

 private:
  struct Entry {
    Entry(boost::asio::io_context& io, std::shared_ptr<const Check> s)
        : spec(std::move(s)), timer(io) {}
    std::shared_ptr<const Check> spec;
    boost::asio::steady_timer timer;
    std::chrono::steady_clock::time_point due;
    bool running = false;
    bool queued = false;
    bool in_window = true;
    bool window_told = false;  // whether the observer has heard of this entry's window
  };

  void arm(const std::shared_ptr<Entry>& entry);
  void on_due(const std::shared_ptr<Entry>& entry);
  void launch(const std::shared_ptr<Entry>& entry);
  void drain_queue();
  /// Whether the entry's check may run now; tells the observer when that changes.
  bool in_window(Entry& entry);

  boost::asio::io_context& io_;
  CheckRunner& runner_;
  int concurrency_;
  int running_ = 0;
  bool stopped_ = false;
  ResultHandler on_result_;
  LagObserver on_lag_;
  SkipObserver on_skip_;
  WindowObserver on_window_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::deque<std::weak_ptr<Entry>> queue_;
  // Runs in flight hold a weak reference: the runner may complete them after this scheduler is
  // gone (its destructor cancels what is left), and then there is no one to tell.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace campus
