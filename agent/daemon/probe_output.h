#pragma once
// How one on-demand run is shown: blackbox_exporter's metric names (so existing dashboards and
// multi-target scrape configs work), and a human-readable account for `probe --debug`.

#include <string>

#include "core/redactor.h"
#include "pipeline/run_record.h"
#include "probe/registry.h"

namespace campus {

/// The run as Prometheus text: probe_success, probe_duration_seconds, the phases under the metric
/// the probe type names (probe_http_duration_seconds{phase} for http, else
/// probe_phase_duration_seconds{phase}), probe_dns_lookup_time_seconds, and each measurement
/// under the blackbox_exporter name its type declares (probe_http_status_code,
/// probe_ssl_earliest_cert_expiry, ...) or probe_<name>. `type` may be null (no declarations).
std::string blackbox_metrics(const RunRecord& record, const ProbeType* type);

/// The run in words: verdict, reason, phases, measurements, evidence and the step log, with
/// secrets removed.
std::string describe_run(const RunRecord& record, const Redactor& redactor);

}  // namespace campus
