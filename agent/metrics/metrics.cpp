#include "metrics/metrics.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include <prometheus/text_serializer.h>

namespace campus {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Help texts for the measurements the built-in probes report.
std::string measurement_help(const std::string& name) {
  static const std::map<std::string, std::string> help{
      {"http_status_code", "HTTP status code of the last response"},
      {"http_content_length_bytes", "Body bytes received in the last run"},
      {"http_redirects", "Redirects followed in the last run"},
      {"http_tls_version", "TLS version of the last HTTPS run (1.2 = 12, 1.3 = 13)"},
      {"tls_cert_not_after_timestamp_seconds", "Expiry (notAfter) of the peer's leaf certificate"},
      {"tls_cert_days_left", "Days until the peer's leaf certificate expires"},
      {"tls_chain_verified", "1 if the certificate chain verified"},
      {"dns_answers", "Addresses in the last DNS answer"},
      {"feed_last_event_age_seconds", "Age of the newest event in the feed"},
  };
  auto it = help.find(name);
  return it != help.end() ? it->second : "Probe measurement " + name;
}

}  // namespace

namespace {
double value_of(const Phase& p) { return p.seconds; }
double value_of(const Measurement& m) { return m.value; }
}  // namespace

template <typename Items, typename FamilyOf, typename LabelsOf>
void Metrics::update_named(std::map<std::string, prometheus::Gauge*>& series, const Items& items,
                           FamilyOf family_of, LabelsOf labels_of) {
  for (const auto& item : items) {
    auto it = series.find(item.name);
    if (it == series.end()) {
      it = series.emplace(item.name, &family_of(item.name).Add(labels_of(item.name))).first;
    }
    it->second->Set(value_of(item));
  }
  if (series.size() == items.size()) return;  // the same names as last time
  for (auto it = series.begin(); it != series.end();) {
    const bool present = std::any_of(items.begin(), items.end(),
                                     [&](const auto& item) { return item.name == it->first; });
    if (present) {
      ++it;
    } else {
      family_of(it->first).Remove(it->second);
      it = series.erase(it);
    }
  }
}

std::string measurement_metric_name(const std::string& measurement) {
  return "campus_probe_" + measurement;
}

Metrics::Metrics(const Catalog& catalog, const std::string& version)
    : catalog_(catalog),
      registry_(std::make_shared<prometheus::Registry>()),
      success_(BuildGauge()
                   .Name("campus_probe_success")
                   .Help("1 if the check's last run passed, else 0")
                   .Register(*registry_)),
      duration_(BuildGauge()
                    .Name("campus_probe_duration_seconds")
                    .Help("Duration of the check's last run")
                    .Register(*registry_)),
      phase_duration_(BuildGauge()
                          .Name("campus_probe_phase_duration_seconds")
                          .Help("Duration of each phase of the check's last run")
                          .Register(*registry_)),
      runs_(BuildCounter()
                .Name("campus_probe_runs_total")
                .Help("Runs of the check by result (pass, fail, error)")
                .Register(*registry_)),
      skipped_(BuildCounter()
                   .Name("campus_probe_skipped_runs_total")
                   .Help("Runs not started because the previous run was still going")
                   .Register(*registry_)),
      last_run_(BuildGauge()
                    .Name("campus_probe_last_run_timestamp_seconds")
                    .Help("When the check's last run ended (Unix time)")
                    .Register(*registry_)),
      failure_kind_(BuildGauge()
                        .Name("campus_probe_failure_kind")
                        .Help("1 for the kind of the check's current failure; absent when passing")
                        .Register(*registry_)),
      indicator_status_(BuildGauge()
                            .Name("campus_indicator_status")
                            .Help("Key indicator state: 1 met, 0 failing, -1 unverified")
                            .Register(*registry_)),
      indicator_checks_(BuildGauge()
                            .Name("campus_indicator_checks")
                            .Help("Number of checks that prove the key indicator")
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
      push_failures_(BuildCounter()
                         .Name("campus_push_failures_total")
                         .Help("Failed pushes to the Pushgateway")
                         .Register(*registry_)
                         .Add({})) {
  BuildGauge()
      .Name("campus_build_info")
      .Help("Always 1; the version of campus-probe")
      .Register(*registry_)
      .Add({{"version", version}})
      .Set(1);
}

void Metrics::set_config(const Config& config, const ResultStore& store) {
  std::vector<std::string> gone;
  for (const auto& [id, series] : checks_) {
    const auto* check = config.find_check(id);
    if (!check ||
        series.labels != std::map<std::string, std::string>{{"check", check->id},
                                                            {"probe", check->probe_type},
                                                            {"system", check->system()}}) {
      gone.push_back(id);
    }
  }
  for (const auto& id : gone)
    remove_series(id);

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
      update_indicator(indicator, store);
    }
  }
  reload_success_.Set(1);
  reload_timestamp_.Set(now_seconds());
}

void Metrics::set_reload_result(bool success) {
  reload_success_.Set(success ? 1 : 0);
  if (success) reload_timestamp_.Set(now_seconds());
}

void Metrics::count_push_failure() {
  push_failures_.Increment();
}

void Metrics::observe_scheduler_lag(double seconds) {
  lag_.Observe(std::max(seconds, 0.0));
}

void Metrics::count_skipped(const CheckSpec& check) {
  auto& s = series_for(check);
  if (!s.skipped) s.skipped = &skipped_.Add({{"check", check.id}});
  s.skipped->Increment();
}

Metrics::CheckSeries& Metrics::series_for(const CheckSpec& check) {
  auto it = checks_.find(check.id);
  if (it != checks_.end()) return it->second;
  CheckSeries s;
  s.labels = {{"check", check.id}, {"probe", check.probe_type}, {"system", check.system()}};
  const prometheus::Labels labels(s.labels.begin(), s.labels.end());
  s.success = &success_.Add(labels);
  s.duration = &duration_.Add(labels);
  s.last_run = &last_run_.Add({{"check", check.id}});
  return checks_.emplace(check.id, std::move(s)).first->second;
}

void Metrics::remove_series(const std::string& check_id) {
  auto it = checks_.find(check_id);
  if (it == checks_.end()) return;
  auto& s = it->second;
  success_.Remove(s.success);
  duration_.Remove(s.duration);
  last_run_.Remove(s.last_run);
  for (auto& [result, counter] : s.runs)
    runs_.Remove(counter);
  if (s.skipped) skipped_.Remove(s.skipped);
  if (s.failure_kind) failure_kind_.Remove(s.failure_kind);
  for (auto& [phase, gauge] : s.phases)
    phase_duration_.Remove(gauge);
  for (auto& [name, gauge] : s.measurements)
    measurement_family(name).Remove(gauge);
  checks_.erase(it);
}

prometheus::Family<prometheus::Gauge>& Metrics::measurement_family(const std::string& name) {
  auto it = measurement_families_.find(name);
  if (it != measurement_families_.end()) return *it->second;
  auto& family = BuildGauge()
                     .Name(measurement_metric_name(name))
                     .Help(measurement_help(name))
                     .Register(*registry_);
  measurement_families_[name] = &family;
  return family;
}

void Metrics::record(const RunRecord& record, const ResultStore& store) {
  const auto& check = *record.check;
  auto& s = series_for(check);
  const auto& result = record.result;
  s.success->Set(result.verdict == Verdict::pass ? 1 : 0);
  s.duration->Set(to_seconds(result.duration));
  s.last_run->Set(now_seconds());
  const std::string verdict(to_string(result.verdict));
  auto& runs = s.runs[verdict];
  if (!runs) runs = &runs_.Add({{"check", check.id}, {"result", verdict}});
  runs->Increment();

  if (result.kind != s.current_kind) {
    if (s.failure_kind) failure_kind_.Remove(s.failure_kind);
    s.failure_kind = nullptr;
    if (result.kind != FailureKind::none) {
      s.failure_kind =
          &failure_kind_.Add({{"check", check.id}, {"kind", std::string(to_string(result.kind))}});
      s.failure_kind->Set(1);
    }
    s.current_kind = result.kind;
  }

  // Phases and measurements of this run replace those of the last one; the names are usually
  // the same every run, so the series are updated in place.
  update_named(
      s.phases, result.phases, [&](const std::string&) -> auto& { return phase_duration_; },
      [&](const std::string& name) {
        return prometheus::Labels{{"check", check.id}, {"phase", name}};
      });
  update_named(
      s.measurements, result.measurements,
      [&](const std::string& name) -> auto& { return measurement_family(name); },
      [&](const std::string&) { return prometheus::Labels{{"check", check.id}}; });

  for (const auto& id : check.indicators) {
    if (const auto* indicator = catalog_.find(id)) update_indicator(*indicator, store);
  }
}

void Metrics::update_indicator(const Indicator& indicator, const ResultStore& store) {
  auto status = indicator_status_series_.find(indicator.id);
  if (status == indicator_status_series_.end()) return;  // edition not enabled
  const IndicatorView view = store.view(indicator);
  status->second->Set(metric_value(view.status));
  indicator_checks_series_[indicator.id]->Set(double(view.checks.size()));
}

std::string Metrics::text() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace campus
