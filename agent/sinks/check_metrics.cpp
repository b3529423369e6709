#include "sinks/check_metrics.h"

#include <cstdio>
#include <set>

#include "sinks/external_labels.h"

namespace campus {
namespace {

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
  TextSink(std::string& out, const std::string& extra_labels)
      : out_(out), extra_labels_(extra_labels) {}

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
    escape_label_value(out_, check);
    out_ += '"';
    for (const auto& [label, v] : labels) {
      out_ += ',';
      out_ += label;
      out_ += "=\"";
      escape_label_value(out_, v);
      out_ += '"';
    }
    out_ += extra_labels_;
    out_ += "} ";
    append_number(out_, value);
    out_ += '\n';
  }

 private:
  std::string& out_;
  const std::string& extra_labels_;
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

void CheckMetrics::set_in_window(const CheckSpec& check, bool in_window) {
  std::lock_guard lock(mutex_);
  Row& row = rows_[check.id];
  row.probe = check.probe_type;
  row.system = check.system();
  row.in_window = in_window ? 1 : 0;
}

void CheckMetrics::retain(const std::function<bool(std::string_view)>& is_same) {
  std::lock_guard lock(mutex_);
  std::erase_if(rows_, [&](const auto& row) { return !is_same(row.first); });
}

void CheckMetrics::set_help(std::map<std::string, std::string, std::less<>> help) {
  std::lock_guard lock(mutex_);
  help_ = std::move(help);
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
  sink.family("campus_probe_in_window",
              "1 while the check is inside its active window, 0 outside (checks with one only)",
              MetricType::Gauge);
  for (const auto& [id, r] : rows_) {
    if (r.in_window >= 0) sink.sample(id, {}, r.in_window);
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
    auto help = help_.find(name);
    const std::string text = help != help_.end() ? help->second : "Probe measurement " + name;
    sink.family(metric, text, MetricType::Gauge);
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

void CheckMetrics::write_text(std::string& out, const std::string& extra_labels) const {
  std::lock_guard lock(mutex_);
  out.reserve(out.size() + rows_.size() * 1024);
  TextSink sink{out, extra_labels};
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
