#include "daemon/probe_output.h"

#include <cstdio>
#include <map>

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

// Measurement names whose blackbox_exporter counterpart has another name.
const std::map<std::string, std::string>& blackbox_names() {
  static const std::map<std::string, std::string> names{
      {"tls_cert_not_after_timestamp_seconds", "probe_ssl_earliest_cert_expiry"},
      {"http_content_length_bytes", "probe_http_content_length"},
      {"http_redirects", "probe_http_redirects"},
      {"http_status_code", "probe_http_status_code"},
      {"http_tls_version", "probe_tls_version_info"},
      {"dns_answers", "probe_dns_answer_rrs"},
  };
  return names;
}

}  // namespace

std::string blackbox_metrics(const RunRecord& record) {
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
    // blackbox_exporter's http prober names its phases probe_http_duration_seconds{phase}, with
    // "resolve" for the DNS lookup; dashboards built for it then work unchanged.
    const bool http = record.check->probe_type == "http";
    const std::string name = http ? "probe_http_duration_seconds" : "probe_phase_duration_seconds";
    out += "# HELP " + name + " Duration of each phase of the probe\n# TYPE " + name + " gauge\n";
    for (const auto& p : r.phases) {
      const std::string phase = http && p.name == "dns" ? "resolve" : p.name;
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
    auto it = blackbox_names().find(m.name);
    const std::string name = it != blackbox_names().end() ? it->second : "probe_" + m.name;
    gauge(out, name, "campus-probe measurement " + m.name, m.value);
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
