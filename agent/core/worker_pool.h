#pragma once
// A small bounded pool of threads for blocking libraries (libldap, plugins), so that blocking
// work never runs on the event loop. Work posts its result back to the io_context itself.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace campus {

/// Thread-safe. Jobs must not throw; the destructor finishes queued jobs and joins the threads.
class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues `job`; returns false (and drops it) when the queue is full.
  bool submit(std::function<void()> job);
  std::size_t queued() const;

 private:
  void work();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace campus
