#include "sinks/result_store.h"

namespace campus {

void ResultStore::configure(const ConfigChange& change) {
  auto forget = [&](Records& records) {
    std::erase_if(records, [&](const auto& r) { return !change.is_same(r->check->id); });
  };
  forget(recent_failures_);
  forget(recent_successes_);
  std::erase_if(failures_by_check_,
                [&](const auto& entry) { return !change.is_same(entry.first); });
}

void ResultStore::publish(const Publication& publication) {
  const auto& record = publication.record;
  const bool passed = record->result.verdict == Verdict::pass;
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

}  // namespace campus
