#pragma once
// How one on-demand run is shown: blackbox_exporter's metric names (so existing dashboards and
// multi-target scrape configs work), and a human-readable account for `probe --debug`.

#include <string>

#include "core/redactor.h"
#include "runtime/check_runner.h"

namespace campus {

/// The run as Prometheus text: probe_success, probe_duration_seconds, probe_http_status_code,
/// probe_ssl_earliest_cert_expiry, probe_http_duration_seconds{phase} (http) or
/// probe_phase_duration_seconds{phase}, probe_dns_lookup_time_seconds, ...
std::string blackbox_metrics(const RunRecord& record);

/// The run in words: verdict, reason, phases, measurements, evidence and the step log, with
/// secrets removed.
std::string describe_run(const RunRecord& record, const Redactor& redactor);

}  // namespace campus
