#include "sinks/metrics.h"

#include <algorithm>
#include <chrono>

#include <prometheus/text_serializer.h>

namespace campus {
namespace {

using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// Makes `family` hold exactly the series `wanted`, each 1. Family::Add returns the series already
// there for the same labels, so a series that stays is never removed, not even for a moment: a
// scrape during a reload sees it. Those no longer wanted go.
void sync_info_series(prometheus::Family<prometheus::Gauge>& family,
                      const std::vector<prometheus::Labels>& wanted,
                      std::vector<prometheus::Gauge*>& series) {
  std::vector<prometheus::Gauge*> now;
  now.reserve(wanted.size());
  for (const auto& labels : wanted) {
    auto& gauge = family.Add(labels);
    gauge.Set(1);
    now.push_back(&gauge);
  }
  std::sort(now.begin(), now.end());
  now.erase(std::unique(now.begin(), now.end()), now.end());
  for (auto* gauge : series) {
    if (!std::binary_search(now.begin(), now.end(), gauge)) family.Remove(gauge);
  }
  series = std::move(now);
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Metrics::Metrics(const Catalog& catalog, const std::string& version)
    : catalog_(catalog),
      registry_(std::make_shared<prometheus::Registry>()),
      indicator_status_(BuildGauge()
                            .Name("campus_indicator_status")
                            .Help("Key indicator state: 1 met, 0 failing, -1 unverified, -2 "
                                  "waived, 2 attested (met by a people's attestation)")
                            .Register(*registry_)),
      indicator_checks_(BuildGauge()
                            .Name("campus_indicator_checks")
                            .Help("Number of checks that prove the key indicator")
                            .Register(*registry_)),
      attestation_expiry_(BuildGauge()
                              .Name("campus_attestation_expiry_days")
                              .Help("Days until the attestation of a key indicator expires "
                                    "(negative once it has)")
                              .Register(*registry_)),
      indicator_info_(
          BuildGauge()
              .Name("campus_indicator_info")
              .Help("Always 1; the official text (Chinese and English), dimension and scene of "
                    "each key indicator of the enabled editions, for joins in PromQL on "
                    "(instance, job, edition, indicator), e.g. to give campus_indicator_status "
                    "its text")
              .Register(*registry_)),
      check_indicator_(
          BuildGauge()
              .Name("campus_check_indicator")
              .Help("Always 1 for each check and key indicator (of an enabled edition) it proves; "
                    "for joins in PromQL: on (instance, job, check) with campus_probe_* names a "
                    "check's indicators, on (instance, job, edition, indicator) with "
                    "campus_indicator_status names an indicator's checks")
              .Register(*registry_)),
      lag_family_(BuildHistogram()
                      .Name("campus_scheduler_lag_seconds")
                      .Help("How late runs started compared with their schedule")
                      .Register(*registry_)),
      lag_(lag_family_.Add(
          {}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25, 0.5, 1, 2.5, 5, 10})),
      reload_success_(BuildGauge()
                          .Name("campus_config_last_reload_success")
                          .Help("1 if the last config (re)load succeeded")
                          .Register(*registry_)
                          .Add({})),
      reload_timestamp_(BuildGauge()
                            .Name("campus_config_last_reload_success_timestamp_seconds")
                            .Help("When the config was last loaded successfully")
                            .Register(*registry_)
                            .Add({})),
      session_logins_(prometheus::BuildCounter()
                          .Name("campus_session_logins_total")
                          .Help("Logins of shared sessions, by result (pass or fail)")
                          .Register(*registry_)),
      session_valid_(BuildGauge()
                         .Name("campus_session_valid")
                         .Help("1 while the shared session holds a login its checks accept")
                         .Register(*registry_)),
      session_login_duration_(BuildGauge()
                                  .Name("campus_session_login_duration_seconds")
                                  .Help("How long the shared session's last login took")
                                  .Register(*registry_)) {
  BuildGauge()
      .Name("campus_build_info")
      .Help("Always 1; the version of campus-probe")
      .Register(*registry_)
      .Add({{"version", version}})
      .Set(1);
}

void Metrics::configure(const ConfigChange& change) {
  const Config& config = change.config;
  external_->set(config.agent.site, config.site_labels());
  checks_->retain([&](std::string_view id) { return change.is_same(id); });
  std::map<std::string, std::string, std::less<>> help;
  for (const auto& name : change.probes.names()) {
    for (const auto& m : change.probes.type(name)->info.measurements)
      help.emplace(m.name, m.help);
  }
  checks_->set_help(std::move(help));

  // Indicator series for exactly the enabled editions.
  for (auto& [id, gauge] : indicator_status_series_)
    indicator_status_.Remove(gauge);
  for (auto& [id, gauge] : indicator_checks_series_)
    indicator_checks_.Remove(gauge);
  indicator_status_series_.clear();
  indicator_checks_series_.clear();
  editions_ = config.editions;
  for (Edition e : editions_) {
    const auto* edition = catalog_.edition(e);
    if (!edition) continue;
    for (const auto& indicator : edition->indicators) {
      const std::string ed(to_string(e));
      indicator_status_series_[indicator.id] =
          &indicator_status_.Add({{"edition", ed},
                                  {"indicator", indicator.id},
                                  {"dimension", indicator.dimension},
                                  {"scene", indicator.main_scene}});
      indicator_checks_series_[indicator.id] =
          &indicator_checks_.Add({{"edition", ed}, {"indicator", indicator.id}});
      update_indicator(change.indicators.view(indicator));
    }
  }
  configure_map(config);
  // One series per configured attestation.
  for (auto& [attestation, gauge] : attestation_series_)
    attestation_expiry_.Remove(gauge);
  attestation_series_.clear();
  for (const auto& a : config.attestations) {
    attestation_series_.emplace_back(
        a, &attestation_expiry_.Add({{"indicator", a->indicator}, {"attestation", a->id}}));
  }
  refresh(change.indicators);
  // Session series for exactly the configured sessions; a changed session starts over.
  for (auto it = session_series_.begin(); it != session_series_.end();) {
    auto now = config.sessions.find(it->first);
    if (now != config.sessions.end() && change.is_same_session(*now->second)) {
      ++it;
      continue;
    }
    session_logins_.Remove(it->second.passed);
    session_logins_.Remove(it->second.failed);
    session_valid_.Remove(it->second.valid);
    session_login_duration_.Remove(it->second.duration);
    it = session_series_.erase(it);
  }
  for (const auto& [name, session] : config.sessions) {
    if (session_series_.count(name)) continue;
    session_series_.emplace(
        name, SessionSeries{&session_logins_.Add({{"session", name}, {"result", "pass"}}),
                            &session_logins_.Add({{"session", name}, {"result", "fail"}}),
                            &session_valid_.Add({{"session", name}}),
                            &session_login_duration_.Add({{"session", name}})});
  }
  reload_success_.Set(1);
  reload_timestamp_.Set(now_seconds());
}

void Metrics::configure_map(const Config& config) {
  // Label values from the catalog and the config only, as for every other series. Prometheus
  // sees a series that changed labels (a check's new system or indicators, a corrected text) as
  // one series gone and another new, which is what a join wants.
  const auto enabled = [&](Edition e) {
    return std::find(editions_.begin(), editions_.end(), e) != editions_.end();
  };
  std::vector<prometheus::Labels> wanted;
  for (Edition e : editions_) {
    const auto* edition = catalog_.edition(e);
    if (!edition) continue;
    for (const auto& indicator : edition->indicators) {
      wanted.push_back({{"edition", std::string(to_string(e))},
                        {"indicator", indicator.id},
                        {"indicator_text", indicator.text},
                        {"indicator_text_en", indicator.text_en},
                        {"dimension", indicator.dimension},
                        {"scene", indicator.main_scene}});
    }
  }
  sync_info_series(indicator_info_, wanted, indicator_info_series_);

  wanted.clear();
  for (const auto& check : config.checks) {
    for (const auto& id : check->indicators) {
      const Indicator* indicator = catalog_.find(id);
      if (!indicator || !enabled(indicator->edition)) continue;
      wanted.push_back({{"check", check->id},
                        {"system", check->system()},
                        {"edition", std::string(to_string(indicator->edition))},
                        {"indicator", indicator->id},
                        {"indicator_text", indicator->text}});
    }
  }
  sync_info_series(check_indicator_, wanted, check_indicator_series_);
}

void Metrics::session_login(const SessionLoginRecord& login) {
  auto it = session_series_.find(login.session->name);
  if (it == session_series_.end()) return;
  const bool passed = login.run.result.verdict == Verdict::pass;
  (passed ? it->second.passed : it->second.failed)->Increment();
  it->second.valid->Set(passed ? 1 : 0);
  it->second.duration->Set(std::chrono::duration<double>(login.run.result.duration).count());
}

void Metrics::session_lost(const SessionSpec& session, const std::string&) {
  auto it = session_series_.find(session.name);
  if (it != session_series_.end()) it->second.valid->Set(0);
}

void Metrics::set_reload_result(bool success) {
  reload_success_.Set(success ? 1 : 0);
  if (success) reload_timestamp_.Set(now_seconds());
}

void Metrics::observe_scheduler_lag(double seconds) {
  lag_.Observe(std::max(seconds, 0.0));
}

void Metrics::skipped(const CheckSpec& check) {
  checks_->count_skipped(check);
}

void Metrics::window(const CheckSpec& check, bool in_window) {
  checks_->set_in_window(check, in_window);
}

void Metrics::publish(const Publication& publication) {
  const auto& record = *publication.record;
  checks_->record(*record.check, record.result, now_seconds());
  for (const auto& view : publication.indicators)
    update_indicator(view);
}

void Metrics::refresh(const IndicatorState& indicators) {
  const auto now = std::chrono::system_clock::now();
  for (auto& [attestation, gauge] : attestation_series_)
    gauge->Set(attestation->days_to_expiry(now));
  for (Edition e : editions_) {
    for (const auto& view : indicators.indicators(e))
      update_indicator(view);
  }
}

void Metrics::update_indicator(const IndicatorView& view) {
  auto status = indicator_status_series_.find(view.indicator->id);
  if (status == indicator_status_series_.end()) return;  // edition not enabled
  status->second->Set(metric_value(view.status));
  indicator_checks_series_[view.indicator->id]->Set(double(view.checks.size()));
}

std::string Metrics::text() const {
  // The agent-wide families are few; the per-check ones are written straight after them.
  auto families = registry_->Collect();
  external_->apply(families);
  std::string text = prometheus::TextSerializer().Serialize(families);
  checks_->write_text(text, external_->text());
  return text;
}

std::vector<std::shared_ptr<prometheus::Collectable>> Metrics::collectables() const {
  return {std::make_shared<LabelledCollectable>(registry_, external_),
          std::make_shared<LabelledCollectable>(checks_, external_)};
}

}  // namespace campus
