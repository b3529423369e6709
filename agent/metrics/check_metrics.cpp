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
      {"feed_events_seen", "Events with a readable time seen in the last run"},
      {"feed_events_in_window", "Events within the configured window"},
      {"scenario_steps", "Steps of the scenario"},
      {"scenario_steps_passed", "Steps that passed in the last run"},
      {"cas_login_duration_seconds", "Time the CAS login (form post or TGT request) took"},
      {"cas_ticket_duration_seconds", "Time the service ticket request took (REST)"},
      {"cas_validate_duration_seconds", "Time the ticket validation took"},
      {"oidc_login_duration_seconds", "Time the provider's login form took (authorization code)"},
      {"oidc_token_duration_seconds", "Time the token endpoint took"},
      {"oidc_id_token_lifetime_seconds", "Seconds until the id_token expires"},
      {"ldap_search_entries", "Entries the search returned"},
      {"radius_round_trip_seconds", "Round trip of the answered RADIUS request"},
      {"radius_tries", "Sends until the RADIUS server answered"},
      {"sip2_acs_online", "1 if the SIP2 ACS reports itself online"},
      {"sip2_patron_charged_items", "Items charged to the test patron"},
      {"rtsp_options_duration_seconds", "Time the RTSP OPTIONS request took"},
      {"rtsp_describe_duration_seconds", "Time the RTSP DESCRIBE request took"},
      {"plugin_perfdata", "A plugin's performance data, in base units (seconds, bytes)"},
      {"plugin_exit_code", "Exit status of the plugin (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)"},
  };
  auto it = help.find(name);
  return it != help.end() ? it->second : "Probe measurement " + name;
}

// Label values come from the config, but a system label may hold any text.
void escape_into(std::string& out, std::string_view value) {
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
}

void append_number(std::string& out, double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  out += buffer;
}

const char* const kResults[] = {"pass", "fail", "error"};

// Copies named values into `out`, reusing its strings when the names are those of the last run
// (the usual case), so that a run allocates nothing here.
template <typename Items, typename ValueOf>
void assign(std::vector<std::pair<std::string, double>>& out, const Items& items,
            ValueOf value_of) {
  if (out.size() != items.size()) out.resize(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (out[i].first != items[i].name) out[i].first = items[i].name;
    out[i].second = value_of(items[i]);
  }
}

using Labels = std::initializer_list<std::pair<const char*, std::string_view>>;

// Writes samples straight into the text exposition; a family's header goes out with its first
// sample, so families without samples are left out.
class TextSink {
 public:
  explicit TextSink(std::string& out) : out_(out) {}

  void family(std::string_view name, std::string_view help, prometheus::MetricType type) {
    name_ = name;
    help_ = help;
    type_ = type;
    header_written_ = false;
  }
  void sample(const std::string& check, Labels labels, double value) {
    if (!header_written_) {
      out_ += "# HELP ";
      out_ += name_;
      out_ += ' ';
      out_ += help_;
      out_ += "\n# TYPE ";
      out_ += name_;
      out_ += type_ == prometheus::MetricType::Counter ? " counter\n" : " gauge\n";
      header_written_ = true;
    }
    out_ += name_;
    out_ += "{check=\"";
    escape_into(out_, check);
    out_ += '"';
    for (const auto& [label, v] : labels) {
      out_ += ',';
      out_ += label;
      out_ += "=\"";
      escape_into(out_, v);
      out_ += '"';
    }
    out_ += "} ";
    append_number(out_, value);
    out_ += '\n';
  }

 private:
  std::string& out_;
  std::string_view name_;
  std::string_view help_;
  prometheus::MetricType type_{};
  bool header_written_ = false;
};

// Builds prometheus-cpp families, for the Pushgateway.
struct FamilySink {
  std::vector<prometheus::MetricFamily>& families;
  void family(std::string_view name, std::string_view help, prometheus::MetricType type) {
    families.push_back({std::string(name), std::string(help), type, {}});
  }
  void sample(const std::string& check, Labels labels, double value) {
    auto& family = families.back();
    prometheus::ClientMetric metric;
    metric.label.push_back({"check", check});
    for (const auto& [label, v] : labels)
      metric.label.push_back({label, std::string(v)});
    if (family.type == prometheus::MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family.metric.push_back(std::move(metric));
  }
};

}  // namespace

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
  assign(row.phases, result.phases, [](const Phase& p) { return p.seconds; });
  assign(row.measurements, result.measurements, [](const Measurement& m) { return m.value; });
  row.labelled = result.labelled_measurements;
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

// Feeds every family and its samples to `sink`, in a fixed order. Must be called with the
// mutex held.
template <typename Sink>
void CheckMetrics::for_each_family(Sink& sink) const {
  using prometheus::MetricType;
  sink.family("campus_probe_success", "1 if the check's last run passed, else 0",
              MetricType::Gauge);
  for (const auto& [id, r] : rows_) {
    if (r.ran) sink.sample(id, {{"probe", r.probe}, {"system", r.system}}, r.success);
  }
  sink.family("campus_probe_duration_seconds", "Duration of the check's last run",
              MetricType::Gauge);
  for (const auto& [id, r] : rows_) {
    if (r.ran) sink.sample(id, {{"probe", r.probe}, {"system", r.system}}, r.duration);
  }
  sink.family("campus_probe_phase_duration_seconds",
              "Duration of each phase of the check's last run", MetricType::Gauge);
  for (const auto& [id, r] : rows_) {
    for (const auto& [phase, v] : r.phases)
      sink.sample(id, {{"phase", phase}}, v);
  }
  sink.family("campus_probe_runs_total", "Runs of the check by result (pass, fail, error)",
              MetricType::Counter);
  for (const auto& [id, r] : rows_) {
    for (int i = 0; i < 3; ++i) {
      if (r.runs[i] > 0) sink.sample(id, {{"result", kResults[i]}}, r.runs[i]);
    }
  }
  sink.family("campus_probe_skipped_runs_total",
              "Runs not started because the previous run was still going", MetricType::Counter);
  for (const auto& [id, r] : rows_) {
    if (r.skipped > 0) sink.sample(id, {}, r.skipped);
  }
  sink.family("campus_probe_last_run_timestamp_seconds",
              "When the check's last run ended (Unix time)", MetricType::Gauge);
  for (const auto& [id, r] : rows_) {
    if (r.ran) sink.sample(id, {}, r.last_run);
  }
  sink.family("campus_probe_failure_kind",
              "1 for the kind of the check's current failure; absent when passing",
              MetricType::Gauge);
  for (const auto& [id, r] : rows_) {
    if (r.kind != FailureKind::none) sink.sample(id, {{"kind", to_string(r.kind)}}, 1);
  }
  std::set<std::string> names;
  for (const auto& [id, row] : rows_) {
    for (const auto& [name, v] : row.measurements)
      names.insert(name);
  }
  for (const auto& [id, row] : rows_) {
    for (const auto& m : row.labelled)
      names.insert(m.name);
  }
  for (const auto& name : names) {
    const std::string metric = metric_name(name);
    const std::string help = measurement_help(name);
    sink.family(metric, help, MetricType::Gauge);
    for (const auto& [id, row] : rows_) {
      for (const auto& [n, v] : row.measurements) {
        if (n == name) sink.sample(id, {}, v);
      }
      for (const auto& m : row.labelled) {
        if (m.name == name) sink.sample(id, {{"label", m.label}}, m.value);
      }
    }
  }
}

void CheckMetrics::write_text(std::string& out) const {
  std::lock_guard lock(mutex_);
  out.reserve(out.size() + rows_.size() * 1024);
  TextSink sink{out};
  for_each_family(sink);
}

std::vector<prometheus::MetricFamily> CheckMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  std::lock_guard lock(mutex_);
  FamilySink sink{families};
  for_each_family(sink);
  std::erase_if(families, [](const auto& f) { return f.metric.empty(); });
  return families;
}

}  // namespace campus
