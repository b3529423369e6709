#include "daemon/status_page.h"

#include "core/html.h"
#include "core/logger.h"
#include "daemon/daemon.h"
#include "version.h"

namespace campus {
namespace {

const char* status_class(IndicatorStatus s) {
  return s == IndicatorStatus::met       ? "met"
         : s == IndicatorStatus::failing ? "failing"
         : s == IndicatorStatus::waived  ? "waived"
                                         : "unverified";
}

const char* status_label(IndicatorStatus s) {
  return s == IndicatorStatus::met       ? "达标 met"
         : s == IndicatorStatus::failing ? "未达标 failing"
         : s == IndicatorStatus::waived  ? "豁免 waived"
                                         : "未验证 unverified";
}

}  // namespace

std::string status_page(const Daemon& daemon) {
  const auto config = daemon.config();
  const auto& redactor = daemon.redactor();
  std::string h;
  h += R"(<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>campus-probe</title><style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:1rem auto;max-width:72rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.met{color:#176f2c}.failing{color:#b00020;font-weight:bold}.unverified{color:#777}
.pass{color:#176f2c}.fail,.error{color:#b00020}code{font-size:.9em}small{color:#666}
</style></head><body>
<h1>campus-probe <small>)" +
       std::string(kVersion) + R"(</small></h1>
<p><a href="/metrics">/metrics</a> · <a href="/api/checks">/api/checks</a> · <a href="/api/indicators">/api/indicators</a></p>
)";
  for (Edition e : config->editions) {
    const auto views = daemon.indicators().indicators(e);
    int met = 0, failing = 0, unverified = 0;
    for (const auto& v : views) {
      met += v.status == IndicatorStatus::met;
      failing += v.status == IndicatorStatus::failing;
      unverified += v.status == IndicatorStatus::unverified;
    }
    const auto* edition = daemon.catalog().edition(e);
    h += "<h2>" + html_escape(edition->title) + "</h2>\n<p><span class=met>" + std::to_string(met) +
         " met</span> · <span class=failing>" + std::to_string(failing) +
         " failing</span> · <span class=unverified>" + std::to_string(unverified) +
         " unverified</span></p>\n<table><tr><th>ID</th><th>关键指标 Key indicator</th><th>状态 "
         "Status</th><th>Checks</th></tr>\n";
    for (const auto& v : views) {
      std::string checks;
      for (const auto& id : v.checks)
        checks += (checks.empty() ? "" : ", ") + html_escape(id);
      h += "<tr><td><code>" + html_escape(v.indicator->id) + "</code></td><td>" +
           html_escape(v.indicator->text) + "<br><small>" + html_escape(v.indicator->text_en) +
           "</small></td><td class=" + status_class(v.status) + ">" + status_label(v.status) +
           "</td><td>" + checks + "</td></tr>\n";
    }
    h += "</table>\n";
  }
  h += "<h2>Checks</h2>\n<table><tr><th>Check</th><th>Probe</th><th>Last "
       "run</th><th>Reason</th></tr>\n";
  for (const auto& c : config->checks) {
    const auto* state = daemon.indicators().check(c->id);
    std::string verdict = "pending", reason, when;
    if (state && state->last) {
      verdict = std::string(to_string(state->last->verdict));
      reason = html_escape(redactor.text(state->last->reason));
      when = rfc3339_utc(state->last->started);
    }
    if (c->active && state && !state->in_window) {
      when += (when.empty() ? "" : "<br>") + std::string("out of its window (") +
              html_escape(c->active->describe()) + ")";
    }
    // While a check fails, its failing run's step log, folded: why it failed, even at night.
    const auto& failures = daemon.results().failures_of(c->id);
    const bool failing = state && state->last && state->last->verdict != Verdict::pass;
    if (failing && !failures.empty() && failures.front()->log) {
      const auto& failed = *failures.front();
      reason += "<details><summary>step log of the failing run at " + rfc3339_utc(failed.started) +
                "</summary><pre>" + html_escape(redactor.text(failed.log->text())) +
                "</pre></details>";
    }
    h += "<tr><td><code><a href=\"/api/checks/" + html_escape(c->id) + "\">" + html_escape(c->id) +
         "</a></code><br><small>" + html_escape(redactor.text(c->target)) + "</small></td><td>" +
         html_escape(c->probe_type) + "</td><td class=" + verdict + ">" + verdict + "<br><small>" +
         when + "</small></td><td>" + reason + "</td></tr>\n";
  }
  h += "</table></body></html>\n";
  return h;
}

}  // namespace campus
