#include "pipeline/result_pipeline.h"

#include <algorithm>

namespace campus {

void ResultPipeline::remove(ResultSink& sink) {
  std::erase(sinks_, &sink);
}

void ResultPipeline::set_config(std::shared_ptr<const Config> config, const ProbeRegistry& probes) {
  std::unordered_set<std::string_view> same;
  std::unordered_set<std::string_view> same_sessions;
  if (config_) {
    for (const auto& check : config->checks) {
      const CheckSpec* before = config_->find_check(check->id);
      if (before && before->fingerprint == check->fingerprint) same.insert(check->id);
    }
    for (const auto& [name, session] : config->sessions) {
      auto before = config_->sessions.find(name);
      if (before != config_->sessions.end() &&
          before->second->fingerprint == session->fingerprint) {
        same_sessions.insert(session->name);
      }
    }
  }
  state_.set_config(config, same);
  config_ = std::move(config);  // the sets view names in the new config, which this keeps
  const ConfigChange change{*config_, probes, state_, same, same_sessions};
  for (auto* sink : sinks_)
    sink->configure(change);
}

void ResultPipeline::publish(RunRecord run) {
  if (config_) run.maintenance = config_->maintenance_for(*run.check, run.started);
  for (const auto& window : declared_) {
    if (run.maintenance) break;
    if (window->contains(run.started) && window->selects(*run.check)) run.maintenance = window;
  }
  auto record = std::make_shared<const RunRecord>(std::move(run));
  const auto& r = record->result;
  // Planned downtime: a failure inside a maintenance window is recorded (the sinks get it,
  // marked) but leaves the check's standing and its indicators as they were.
  if (!record->maintenance || r.verdict == Verdict::pass) {
    state_.record(*record->check,
                  {r.verdict, r.kind, r.reason, r.duration, record->started, record->attempts});
  }
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

void ResultPipeline::session_login(SessionLoginRecord login) {
  for (auto* sink : sinks_)
    sink->session_login(login);
}

void ResultPipeline::session_lost(const SessionSpec& session, const std::string& reason) {
  for (auto* sink : sinks_)
    sink->session_lost(session, reason);
}

void ResultPipeline::refresh() {
  for (auto* sink : sinks_)
    sink->refresh(state_);
}

void ResultPipeline::add_maintenance(std::shared_ptr<const MaintenanceWindow> window) {
  const auto now = std::chrono::system_clock::now();
  std::erase_if(declared_, [&](const auto& w) { return w->to <= now; });
  declared_.push_back(std::move(window));
}

std::vector<std::shared_ptr<const MaintenanceWindow>> ResultPipeline::end_maintenance(
    const std::string& name) {
  const auto now = std::chrono::system_clock::now();
  std::vector<std::shared_ptr<const MaintenanceWindow>> ended;
  for (auto& window : declared_) {
    if (window->name != name || window->to <= now) continue;
    auto shortened = std::make_shared<MaintenanceWindow>(*window);
    shortened->to = std::max(now, shortened->from);
    window = shortened;
    ended.push_back(std::move(shortened));
  }
  return ended;
}

std::vector<std::shared_ptr<const MaintenanceWindow>> ResultPipeline::declared_maintenance() const {
  const auto now = std::chrono::system_clock::now();
  std::vector<std::shared_ptr<const MaintenanceWindow>> out;
  for (const auto& window : declared_) {
    if (window->to > now) out.push_back(window);
  }
  return out;
}

void ResultPipeline::skipped(const CheckSpec& check) {
  for (auto* sink : sinks_)
    sink->skipped(check);
}

}  // namespace campus
