#include "runtime/scheduler.h"

namespace campus {

Duration spread_offset(std::string_view check_id, Duration interval) {
  // FNV-1a: tiny, stable across platforms and releases.
  std::uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : check_id) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  const auto ms = std::uint64_t(std::max<std::int64_t>(interval.count(), 1));
  return Duration(std::int64_t(hash % ms));
}

Scheduler::Scheduler(boost::asio::io_context& io, CheckRunner& runner, int concurrency,
                     ResultHandler on_result)
    : io_(io), runner_(runner), concurrency_(concurrency), on_result_(std::move(on_result)) {}

void Scheduler::set_concurrency(int concurrency) {
  concurrency_ = concurrency;
  drain_queue();
}

void Scheduler::set_checks(const std::vector<std::shared_ptr<const Check>>& checks) {
  std::map<std::string, std::shared_ptr<Entry>> next;
  for (const auto& spec : checks) {
    auto it = entries_.find(spec->id);
    if (it != entries_.end() && it->second->spec->fingerprint == spec->fingerprint) {
      next.emplace(spec->id, it->second);  // unchanged: keep timer, state and any run
      continue;
    }
    auto entry = std::make_shared<Entry>(io_, spec);
    if (it != entries_.end()) {
      it->second->timer.cancel();
      entry->running = it->second->running;  // the old run still occupies its slot
    }
    next.emplace(spec->id, entry);
    in_window(*entry);  // say at once when a new check starts outside its window
    const auto now = std::chrono::steady_clock::now();
    const auto offset = spread_offset(spec->id, spec->interval);
    // Align to the interval grid so that the offset is the same after any restart.
    const auto since_epoch =
        std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch());
    const auto into_slot = (since_epoch - offset) % spec->interval;
    entry->due = now + (spec->interval - into_slot) % spec->interval;
    if (!stopped_) arm(entry);
  }
  for (auto& [id, entry] : entries_) {
    if (!next.count(id)) entry->timer.cancel();
  }
  entries_ = std::move(next);
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::stop() {
  stopped_ = true;
  for (auto& [id, entry] : entries_)
    entry->timer.cancel();
  queue_.clear();
}

void Scheduler::arm(const std::shared_ptr<Entry>& entry) {
  entry->timer.expires_at(entry->due);
  std::weak_ptr<Entry> weak = entry;
  entry->timer.async_wait([this, weak](const boost::system::error_code& ec) {
    auto entry = weak.lock();
    if (ec || !entry || stopped_) return;
    on_due(entry);
  });
}

bool Scheduler::in_window(Entry& entry) {
  const auto& active = entry.spec->active;
  if (!active) return true;
  const bool inside = active->contains(std::chrono::system_clock::now());
  if (!entry.window_told || inside != entry.in_window) {
    entry.window_told = true;
    entry.in_window = inside;
    if (on_window_) on_window_(*entry.spec, inside);
  }
  return inside;
}

void Scheduler::on_due(const std::shared_ptr<Entry>& entry) {
  const auto now = std::chrono::steady_clock::now();
  if (!in_window(*entry)) {
    // Outside its window the check does not run; its indicators keep the last verdict.
  } else if (entry->running || entry->queued) {
    if (on_skip_) on_skip_(*entry->spec);
  } else if (running_ < concurrency_) {
    if (on_lag_) on_lag_(to_seconds(now - entry->due));
    launch(entry);
  } else {
    entry->queued = true;
    queue_.push_back(entry);
  }
  // Fixed rate: the next run is one interval after this one was due, skipping missed slots.
  entry->due += entry->spec->interval;
  while (entry->due <= now)
    entry->due += entry->spec->interval;
  arm(entry);
}

void Scheduler::launch(const std::shared_ptr<Entry>& entry) {
  entry->running = true;
  ++running_;
  std::weak_ptr<Entry> weak = entry;
  const auto spec = entry->spec;
  runner_.start(
      spec,
      [this, weak, spec, alive = std::weak_ptr<bool>(alive_)](RunRecord record) {
        if (alive.expired()) return;
        --running_;
        auto entry = weak.lock();
        const bool current = entry && entries_.count(spec->id) && entries_[spec->id] == entry;
        if (entry) entry->running = false;
        // The successor of a changed check inherited the slot; free it too.
        if (!current) {
          auto it = entries_.find(spec->id);
          if (it != entries_.end()) it->second->running = false;
        }
        if (current) on_result_(std::move(record));
        drain_queue();
      },
      StepLog::on_failure);
}

void Scheduler::drain_queue() {
  while (running_ < concurrency_ && !queue_.empty() && !stopped_) {
    auto entry = queue_.front().lock();
    queue_.pop_front();
    if (!entry) continue;
    entry->queued = false;
    if (on_lag_)
      on_lag_(to_seconds(std::chrono::steady_clock::now() - entry->due + entry->spec->interval));
    launch(entry);
  }
}

}  // namespace campus
