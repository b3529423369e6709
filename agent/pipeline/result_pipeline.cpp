#include "pipeline/result_pipeline.h"

#include <algorithm>

namespace campus {

void ResultPipeline::remove(ResultSink& sink) {
  std::erase(sinks_, &sink);
}

void ResultPipeline::set_config(std::shared_ptr<const Config> config, const ProbeRegistry& probes) {
  std::unordered_set<std::string_view> same;
  if (config_) {
    for (const auto& check : config->checks) {
      const CheckSpec* before = config_->find_check(check->id);
      if (before && before->fingerprint == check->fingerprint) same.insert(check->id);
    }
  }
  state_.set_config(config, same);
  config_ = std::move(config);  // `same` views the ids of the new config, which this keeps
  const ConfigChange change{*config_, probes, state_, same};
  for (auto* sink : sinks_)
    sink->configure(change);
}

void ResultPipeline::publish(RunRecord run) {
  auto record = std::make_shared<const RunRecord>(std::move(run));
  const auto& r = record->result;
  state_.record(*record->check,
                {r.verdict, r.kind, r.reason, r.duration, record->started, record->attempts});
  const auto views = state_.views_of(*record->check);
  const Publication publication{record, views};
  for (auto* sink : sinks_)
    sink->publish(publication);
}

void ResultPipeline::window(const CheckSpec& check, bool in_window) {
  state_.set_in_window(check, in_window);
  for (auto* sink : sinks_)
    sink->window(check, in_window);
}

void ResultPipeline::skipped(const CheckSpec& check) {
  for (auto* sink : sinks_)
    sink->skipped(check);
}

}  // namespace campus
