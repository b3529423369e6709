#include "sinks/result_store.h"

#include "core/duration.h"

namespace campus {

void RunHistory::add(const RunBrief& brief) {
  ring_[next_] = brief;
  next_ = std::uint8_t((next_ + 1) % kCapacity);
  if (size_ < kCapacity) ++size_;
}

void ResultStore::configure(const ConfigChange& change) {
  auto forget = [&](Records& records) {
    std::erase_if(records, [&](const auto& r) { return !change.is_same(r->check->id); });
  };
  forget(recent_failures_);
  forget(recent_successes_);
  std::erase_if(failures_by_check_,
                [&](const auto& entry) { return !change.is_same(entry.first); });
  std::erase_if(history_by_check_, [&](const auto& entry) { return !change.is_same(entry.first); });
}

void ResultStore::publish(const Publication& publication) {
  const auto& record = publication.record;
  const bool passed = record->result.verdict == Verdict::pass;
  const RunBrief brief{record->started, float(to_seconds(record->result.duration) * 1000),
                       record->result.verdict};
  // Look up before inserting: the key is copied only on a check's first run.
  if (auto it = history_by_check_.find(record->check->id); it != history_by_check_.end()) {
    it->second.add(brief);
  } else {
    history_by_check_[record->check->id].add(brief);
  }
  auto& recent = passed ? recent_successes_ : recent_failures_;
  recent.push_front(record);
  if (recent.size() > recent_limit_) recent.pop_back();
  if (passed || failures_per_check_ == 0) return;
  auto& failures = failures_by_check_[record->check->id];
  failures.push_front(record);
  if (failures.size() > failures_per_check_) failures.pop_back();
}

const ResultStore::Records& ResultStore::failures_of(std::string_view check_id) const {
  static const Records none;
  auto it = failures_by_check_.find(check_id);
  return it == failures_by_check_.end() ? none : it->second;
}

const RunHistory& ResultStore::history_of(std::string_view check_id) const {
  static const RunHistory none;
  auto it = history_by_check_.find(check_id);
  return it == history_by_check_.end() ? none : it->second;
}

}  // namespace campus
