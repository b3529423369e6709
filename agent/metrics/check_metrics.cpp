#include "metrics/check_metrics.h"

#include <cstdio>
#include <set>

namespace campus {
namespace {

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

// Label values come from the config, but a system label may hold any text.
std::string escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void append_number(std::string& out, double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  out += buffer;
}

const char* const kResults[] = {"pass", "fail", "error"};

}  // namespace

// A family: name, help, type, and for each check the extra labels and value of its samples.
struct CheckMetrics::Sample {
  std::vector<std::pair<const char*, std::string>> labels;
  double value;
};

std::string CheckMetrics::metric_name(const std::string& measurement) {
  return "campus_probe_" + measurement;
}

void CheckMetrics::record(const CheckSpec& check, const ProbeResult& result, double now_seconds) {
  std::lock_guard lock(mutex_);
  Row& row = rows_[check.id];
  row.probe = check.probe_type;
  row.system = check.system();
  row.ran = true;
  row.success = result.verdict == Verdict::pass ? 1 : 0;
  row.duration = to_seconds(result.duration);
  row.last_run = now_seconds;
  row.runs[static_cast<int>(result.verdict)] += 1;
  row.kind = result.kind;
  row.phases.clear();
  for (const auto& p : result.phases)
    row.phases.emplace_back(p.name, p.seconds);
  row.measurements.clear();
  for (const auto& m : result.measurements)
    row.measurements.emplace_back(m.name, m.value);
}

void CheckMetrics::count_skipped(const CheckSpec& check) {
  std::lock_guard lock(mutex_);
  Row& row = rows_[check.id];
  row.probe = check.probe_type;
  row.system = check.system();
  row.skipped += 1;
}

void CheckMetrics::retain(const Config& config) {
  std::lock_guard lock(mutex_);
  for (auto it = rows_.begin(); it != rows_.end();) {
    const auto* check = config.find_check(it->first);
    const bool keep =
        check && check->probe_type == it->second.probe && check->system() == it->second.system;
    it = keep ? std::next(it) : rows_.erase(it);
  }
}

// Calls emit(name, help, type, samples-per-check) for each family, in a fixed order. Must be
// called with the mutex held.
template <typename Emit>
void CheckMetrics::for_each_family(Emit emit) const {
  using Samples = std::vector<std::pair<const std::string*, Sample>>;
  auto family = [&](const char* name, const char* help, prometheus::MetricType type,
                    auto&& samples_of) {
    Samples samples;
    for (const auto& [id, row] : rows_)
      samples_of(id, row, samples);
    if (!samples.empty()) emit(std::string(name), std::string(help), type, samples);
  };
  using prometheus::MetricType;
  family("campus_probe_success", "1 if the check's last run passed, else 0", MetricType::Gauge,
         [](const std::string& id, const Row& r, Samples& s) {
           if (r.ran) s.push_back({&id, {{{"probe", r.probe}, {"system", r.system}}, r.success}});
         });
  family("campus_probe_duration_seconds", "Duration of the check's last run", MetricType::Gauge,
         [](const std::string& id, const Row& r, Samples& s) {
           if (r.ran) s.push_back({&id, {{{"probe", r.probe}, {"system", r.system}}, r.duration}});
         });
  family("campus_probe_phase_duration_seconds", "Duration of each phase of the check's last run",
         MetricType::Gauge, [](const std::string& id, const Row& r, Samples& s) {
           for (const auto& [phase, v] : r.phases)
             s.push_back({&id, {{{"phase", phase}}, v}});
         });
  family("campus_probe_runs_total", "Runs of the check by result (pass, fail, error)",
         MetricType::Counter, [](const std::string& id, const Row& r, Samples& s) {
           for (int i = 0; i < 3; ++i) {
             if (r.runs[i] > 0) s.push_back({&id, {{{"result", kResults[i]}}, r.runs[i]}});
           }
         });
  family("campus_probe_skipped_runs_total",
         "Runs not started because the previous run was still going", MetricType::Counter,
         [](const std::string& id, const Row& r, Samples& s) {
           if (r.skipped > 0) s.push_back({&id, {{}, r.skipped}});
         });
  family("campus_probe_last_run_timestamp_seconds", "When the check's last run ended (Unix time)",
         MetricType::Gauge, [](const std::string& id, const Row& r, Samples& s) {
           if (r.ran) s.push_back({&id, {{}, r.last_run}});
         });
  family("campus_probe_failure_kind",
         "1 for the kind of the check's current failure; absent when passing", MetricType::Gauge,
         [](const std::string& id, const Row& r, Samples& s) {
           if (r.kind != FailureKind::none) {
             s.push_back({&id, {{{"kind", std::string(to_string(r.kind))}}, 1}});
           }
         });
  std::set<std::string> names;
  for (const auto& [id, row] : rows_) {
    for (const auto& [name, v] : row.measurements)
      names.insert(name);
  }
  for (const auto& name : names) {
    Samples samples;
    for (const auto& [id, row] : rows_) {
      for (const auto& [n, v] : row.measurements) {
        if (n == name) samples.push_back({&id, {{}, v}});
      }
    }
    emit(metric_name(name), measurement_help(name), prometheus::MetricType::Gauge, samples);
  }
}

void CheckMetrics::write_text(std::string& out) const {
  std::lock_guard lock(mutex_);
  for_each_family([&](const std::string& name, const std::string& help, prometheus::MetricType type,
                      const auto& samples) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " +
           (type == prometheus::MetricType::Counter ? "counter" : "gauge") + "\n";
    for (const auto& [id, sample] : samples) {
      out += name;
      out += "{check=\"";
      out += escape(*id);
      out += '"';
      for (const auto& [label, value] : sample.labels) {
        out += ',';
        out += label;
        out += "=\"";
        out += escape(value);
        out += '"';
      }
      out += "} ";
      append_number(out, sample.value);
      out += '\n';
    }
  });
}

std::vector<prometheus::MetricFamily> CheckMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  std::lock_guard lock(mutex_);
  for_each_family([&](const std::string& name, const std::string& help, prometheus::MetricType type,
                      const auto& samples) {
    prometheus::MetricFamily family{name, help, type, {}};
    for (const auto& [id, sample] : samples) {
      prometheus::ClientMetric metric;
      metric.label.push_back({"check", *id});
      for (const auto& [label, value] : sample.labels)
        metric.label.push_back({label, value});
      if (type == prometheus::MetricType::Counter) {
        metric.counter.value = sample.value;
      } else {
        metric.gauge.value = sample.value;
      }
      family.metric.push_back(std::move(metric));
    }
    families.push_back(std::move(family));
  });
  return families;
}

}  // namespace campus
