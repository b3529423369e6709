#include "daemon/probe_output.h"

#include <cstdio>

namespace campus {
namespace {

std::string number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

void gauge(std::string& out, const std::string& name, const std::string& help, double value,
           const std::string& labels = "") {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n";
  out += name + labels + " " + number(value) + "\n";
}

}  // namespace

std::string blackbox_metrics(const RunRecord& record, const ProbeType* type) {
  const auto& r = record.result;
  std::string out;
  gauge(out, "probe_success", "Displays whether or not the probe was a success",
        r.verdict == Verdict::pass ? 1 : 0);
  gauge(out, "probe_duration_seconds", "Returns how long the probe took to complete in seconds",
        to_seconds(r.duration));
  if (r.kind != FailureKind::none) {
    gauge(out, "probe_failure_kind", "1 for the kind of the failure", 1,
          "{kind=\"" + std::string(to_string(r.kind)) + "\"}");
  }
  if (!r.phases.empty()) {
    // Each probe type names the metric and phases as blackbox_exporter's prober of the same
    // kind does (http: probe_http_duration_seconds, "resolve"), so its dashboards work unchanged.
    const std::string name =
        type ? type->info.blackbox_phase_metric : std::string("probe_phase_duration_seconds");
    out += "# HELP " + name + " Duration of each phase of the probe\n# TYPE " + name + " gauge\n";
    for (const auto& p : r.phases) {
      const std::string phase(type ? type->blackbox_phase(p.name) : std::string_view(p.name));
      out += name + "{phase=\"" + phase + "\"} " + number(p.seconds) + "\n";
    }
    for (const auto& p : r.phases) {
      if (p.name == "dns") {
        gauge(out, "probe_dns_lookup_time_seconds",
              "Returns the time taken for probe dns lookup in seconds", p.seconds);
      }
    }
  }
  for (const auto& m : r.measurements) {
    const MeasurementInfo* info = nullptr;
    if (type) {
      for (const auto& declared : type->info.measurements) {
        if (declared.name == m.name) info = &declared;
      }
    }
    const std::string name =
        info && !info->blackbox_name.empty() ? info->blackbox_name : "probe_" + m.name;
    gauge(out, name, info ? info->help : "campus-probe measurement " + m.name, m.value);
  }
  return out;
}

std::string describe_run(const RunRecord& record, const Redactor& redactor) {
  const auto& r = record.result;
  const auto& c = *record.check;
  std::string out;
  out += "check:    " + c.id + " (" + c.probe_type + " " + c.target + ")\n";
  out += "verdict:  " + std::string(to_string(r.verdict));
  if (r.kind != FailureKind::none) out += " (" + std::string(to_string(r.kind)) + ")";
  out += "\nreason:   " + redactor.text(r.reason) + "\n";
  out += "duration: " + number(to_seconds(r.duration) * 1000) + " ms";
  if (record.attempts > 1) out += " in " + std::to_string(record.attempts) + " attempts";
  out += "\n";
  if (!c.indicators.empty()) {
    out += "proves:  ";
    for (const auto& id : c.indicators)
      out += " " + id;
    out += "\n";
  }
  if (!r.phases.empty()) {
    out += "phases:  ";
    for (const auto& p : r.phases)
      out += " " + p.name + "=" + number(p.seconds * 1000) + "ms";
    out += "\n";
  }
  if (!r.measurements.empty()) {
    out += "measured:";
    for (const auto& m : r.measurements)
      out += " " + m.name + "=" + number(m.value);
    out += "\n";
  }
  out += "evidence: " +
         redactor.json(r.evidence).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
  if (record.log) out += "\nstep log:\n" + redactor.text(record.log->text());
  return out;
}

}  // namespace campus
