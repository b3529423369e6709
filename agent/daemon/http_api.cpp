#include "daemon/http_api.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>

#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "config/claims_json.h"
#include "core/logger.h"
#include "daemon/daemon.h"
#include "daemon/maintenance_api.h"
#include "daemon/probe_output.h"
#include "daemon/status_page.h"
#include "report/compliance_report.h"

namespace campus {
namespace {

// How long /api/evidence and /report wait for queued evidence to reach the disk before they
// answer from what is there.
constexpr auto kEvidenceFlushWait = std::chrono::milliseconds(500);

namespace http = boost::beast::http;

// %XX escapes decoded; in a query, '+' is a space too.
std::string percent_decode(std::string_view raw, bool plus_is_space) {
  std::string value;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '+' && plus_is_space) {
      value += ' ';
    } else if (raw[i] == '%' && i + 2 < raw.size() && std::isxdigit(raw[i + 1]) &&
               std::isxdigit(raw[i + 2])) {
      value += char(std::stoi(std::string(raw.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      value += raw[i];
    }
  }
  return value;
}

// The value of query parameter `name` in `target` (percent-decoded), or nullopt.
std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return std::nullopt;
}

// /api/evidence/lines answers at most this many lines, and stops adding lines past this many
// bytes: a replica pulls in batches, each one a bounded response.
constexpr std::uint64_t kMaxEvidenceLines = 10000;
constexpr std::size_t kMaxEvidenceBytes = 8u << 20;

// A seq or a count in a query: decimal digits only, no sign, no overflow.
std::optional<std::uint64_t> parse_seq_param(const std::string& text) {
  if (text.empty() || text.size() > 19 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoull(text);
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

HttpResponse text(const HttpRequest& req, http::status status, std::string body) {
  return make_response(req, status, "text/plain; charset=utf-8", std::move(body));
}

HttpResponse json_response(const HttpRequest& req, const nlohmann::json& body,
                           http::status status = http::status::ok) {
  return make_response(req, status, "application/json",
                       body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

nlohmann::json check_json(const Daemon& daemon, const CheckSpec& c) {
  nlohmann::json j = {{"id", c.id},
                      {"probe", c.probe_type},
                      {"target", daemon.redactor().text(c.target)},
                      {"interval", format_duration(c.interval)},
                      {"timeout", format_duration(c.timeout)},
                      {"labels", c.labels},
                      {"indicators", c.indicators},
                      {"retries", c.retries},
                      {"fail_after", c.fail_after}};
  const auto* state = daemon.indicators().check(c.id);
  if (!c.session.empty()) j["session"] = c.session;
  if (c.active) {
    j["active"] = c.active->describe();
    j["in_window"] = !state || state->in_window;
  }
  if (state && state->last) {
    const auto& r = *state->last;
    j["last"] = {{"verdict", to_string(r.verdict)},
                 {"kind", to_string(r.kind)},
                 {"reason", daemon.redactor().text(r.reason)},
                 {"time", rfc3339_utc(r.started)},
                 {"duration_ms", to_seconds(r.duration) * 1000}};
    j["runs"] = state->runs;
    j["passes"] = state->passes;
    j["standing"] = to_string(state->standing(c.fail_after));
  } else {
    j["last"] = nullptr;
    j["standing"] = "pending";
  }
  return j;
}

// One check with the stories of its most recent failing runs: verdict, reason, and the step log
// each kept, redacted.
nlohmann::json check_detail_json(const Daemon& daemon, const CheckSpec& c) {
  nlohmann::json j = check_json(daemon, c);
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& record : daemon.results().failures_of(c.id)) {
    const auto& r = record->result;
    failures.push_back(
        {{"time", rfc3339_utc(record->started)},
         {"verdict", to_string(r.verdict)},
         {"kind", to_string(r.kind)},
         {"reason", daemon.redactor().text(r.reason)},
         {"duration_ms", to_seconds(r.duration) * 1000},
         {"attempts", record->attempts},
         {"step_log", record->log ? daemon.redactor().text(record->log->text()) : std::string()}});
  }
  j["recent_failures"] = std::move(failures);
  return j;
}

// A check's latest runs in brief, oldest first: the status page draws them as a sparkline.
nlohmann::json history_json(const RunHistory& history) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& run = history[i];
    out.push_back({{"time", rfc3339_utc(run.started)},
                   {"verdict", to_string(run.verdict)},
                   {"duration_ms", std::round(double(run.duration_ms) * 10) / 10}});
  }
  return out;
}

// Every check; with `history`, each with its latest runs in brief.
nlohmann::json checks_json(const Daemon& daemon, const Config& config, bool history) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : config.checks) {
    out.push_back(check_json(daemon, *c));
    if (history) out.back()["history"] = history_json(daemon.results().history_of(c->id));
  }
  return out;
}

// The latest failing run of each check that failed recently, newest first, with the step log it
// kept (redacted): what broke last, one entry per check, so that a check failing every few
// seconds does not push the others out.
nlohmann::json failures_json(const Daemon& daemon, const Config& config, std::size_t limit) {
  std::vector<const RunRecord*> latest;
  for (const auto& c : config.checks) {
    const auto& failures = daemon.results().failures_of(c->id);
    if (!failures.empty()) latest.push_back(failures.front().get());
  }
  std::sort(latest.begin(), latest.end(),
            [](const RunRecord* a, const RunRecord* b) { return a->started > b->started; });
  if (latest.size() > limit) latest.resize(limit);
  nlohmann::json out = nlohmann::json::array();
  for (const RunRecord* record : latest) {
    const auto& c = *record->check;
    const auto& r = record->result;
    const auto* state = daemon.indicators().check(c.id);
    out.push_back(
        {{"check", c.id},
         {"system", c.system()},
         {"probe", c.probe_type},
         {"target", daemon.redactor().text(c.target)},
         {"time", rfc3339_utc(record->started)},
         {"verdict", to_string(r.verdict)},
         {"kind", to_string(r.kind)},
         {"reason", daemon.redactor().text(r.reason)},
         {"duration_ms", to_seconds(r.duration) * 1000},
         {"attempts", record->attempts},
         {"recovered", state && state->last && state->last->verdict == Verdict::pass},
         {"maintenance", record->maintenance ? nlohmann::json(record->maintenance->name) : nullptr},
         {"step_log", record->log ? daemon.redactor().text(record->log->text()) : std::string()}});
  }
  return out;
}

nlohmann::json indicators_json(const Daemon& daemon, Edition edition) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : daemon.indicators().indicators(edition)) {
    const auto& i = *v.indicator;
    nlohmann::json waiver;
    if (v.waiver) {
      waiver = {{"reason", v.waiver->reason},
                {"owner", v.waiver->owner},
                {"until", v.waiver->until_text}};
    }
    nlohmann::json attestation;
    if (v.attestation) {
      attestation = attestation_record(*v.attestation);
      attestation.erase("type");
      attestation["expiry_days"] = v.attestation->days_to_expiry(std::chrono::system_clock::now());
    }
    out.push_back({{"edition", to_string(edition)},
                   {"id", i.id},
                   {"text", i.text},
                   {"text_en", i.text_en},
                   {"dimension", i.dimension},
                   {"main_scene", i.main_scene},
                   {"sub_scene", i.sub_scene},
                   {"status", to_string(v.status)},
                   {"policy", to_string(v.policy)},
                   {"basis", to_string(v.basis)},
                   {"checks", v.checks},
                   {"passing", v.passing},
                   {"failing", v.failing},
                   {"pending", v.pending},
                   {"waiver", waiver},
                   {"attestation", attestation}});
  }
  return out;
}

// Runs a check now and waits for its record.
boost::asio::awaitable<RunRecord> run_check(Daemon& daemon, std::shared_ptr<const Check> check) {
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(RunRecord)>(
      [&daemon, check](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        daemon.run_now(check, [shared](RunRecord record) { (*shared)(std::move(record)); });
      },
      boost::asio::use_awaitable);
}

// Runs `work` on the worker pool and resumes on the io_context with its result.
template <typename Result>
boost::asio::awaitable<Result> off_loop(Daemon& daemon, std::function<Result()> work) {
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(Result)>(
      [&daemon, work = std::move(work)](auto handler) mutable {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto& io = daemon.io();
        const bool queued =
            daemon.workers().submit([shared, work = std::move(work), &io]() mutable {
              auto result = std::make_shared<Result>(work());
              boost::asio::post(io, [shared, result] { (*shared)(std::move(*result)); });
            });
        if (!queued) throw std::runtime_error("worker pool busy; try again");
      },
      boost::asio::use_awaitable);
}

}  // namespace

boost::asio::awaitable<HttpResponse> handle_http(Daemon& daemon, const HttpRequest& req) {
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = path_of(target);
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;

  if (path == "/-/reload") {
    if (req.method() != http::verb::post && req.method() != http::verb::put) {
      co_return text(req, http::status::method_not_allowed, "use POST to reload\n");
    }
    const std::string problems = daemon.reload();
    if (problems.empty()) co_return text(req, http::status::ok, "reloaded\n");
    co_return text(req, http::status::internal_server_error,
                   "reload failed; the previous config keeps running:\n" + problems);
  }
  // Maintenance declared while running: the same access as a reload (the listener's).
  if (path == "/api/maintenance" && req.method() == http::verb::post) {
    std::string error;
    auto window = parse_maintenance_request(req.body(), *daemon.config(),
                                            std::chrono::system_clock::now(), error);
    if (!window) co_return text(req, http::status::bad_request, "maintenance: " + error + "\n");
    daemon.declare_maintenance(std::move(*window));
    co_return json_response(req, daemon.maintenance_json(), http::status::created);
  }
  if (path.starts_with("/api/maintenance/") && req.method() == http::verb::delete_) {
    const std::string name =
        percent_decode(path.substr(std::string_view("/api/maintenance/").size()), false);
    if (daemon.end_maintenance(name) == 0) {
      co_return text(req, http::status::not_found,
                     "no declared maintenance window '" + name + "' is running\n");
    }
    co_return json_response(req, daemon.maintenance_json());
  }
  if (!get) co_return text(req, http::status::method_not_allowed, "method not allowed\n");
  if (path == "/api/maintenance") co_return json_response(req, daemon.maintenance_json());

  if (path == "/metrics") {
    co_return make_response(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                            daemon.metrics().text());
  }
  if (path == "/-/healthy") co_return text(req, http::status::ok, "OK\n");
  if (path == "/-/ready") {
    if (daemon.ready()) co_return text(req, http::status::ok, "OK\n");
    co_return text(req, http::status::service_unavailable, "not ready\n");
  }
  const auto config = daemon.config();
  if (path == "/probe") {
    const auto id = query_param(target, "check");
    if (!id) co_return text(req, http::status::bad_request, "missing ?check=ID\n");
    // Holding the plan keeps the check's probe type (and a plugin's library) alive across a
    // reload during the run.
    const auto plan = daemon.plan();
    const auto* found = plan->find(*id);
    if (!found) co_return text(req, http::status::not_found, "no check '" + *id + "'\n");
    const std::shared_ptr<const Check> check = *found;
    std::size_t& in_flight = daemon.on_demand_runs();
    const auto limit = std::size_t(plan->config->agent.concurrency);
    if (in_flight >= limit) {
      co_return text(req, http::status::service_unavailable,
                     std::to_string(in_flight) + " /probe runs are in flight (agent.concurrency " +
                         std::to_string(limit) + "); try again shortly\n");
    }
    ++in_flight;
    // Released however the run ends.
    const std::unique_ptr<std::size_t, void (*)(std::size_t*)> slot(&in_flight,
                                                                    [](std::size_t* n) { --*n; });
    const RunRecord record = co_await run_check(daemon, check);
    const ProbeType* type = plan->probes.type(check->probe_type);
    if (query_param(target, "debug").value_or("") == "true") {
      co_return text(req, http::status::ok,
                     describe_run(record, daemon.redactor()) +
                         "\nMetrics that would have been returned:\n" +
                         blackbox_metrics(record, type));
    }
    co_return make_response(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                            blackbox_metrics(record, type));
  }
  if (path.starts_with("/api/checks/")) {
    const auto id = path.substr(std::string_view("/api/checks/").size());
    const auto* check = config->find_check(id);
    if (!check) {
      co_return text(req, http::status::not_found, "no check '" + std::string(id) + "'\n");
    }
    co_return json_response(req, check_detail_json(daemon, *check));
  }
  if (path == "/api/checks") {
    co_return json_response(
        req, checks_json(daemon, *config, query_param(target, "history").value_or("") == "true"));
  }
  if (path == "/api/failures") {
    const auto limit = query_param(target, "limit").value_or("10");
    const bool digits =
        !limit.empty() && limit.size() <= 3 &&
        std::all_of(limit.begin(), limit.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits)
      co_return text(req, http::status::bad_request, "limit must be a number, e.g. 10\n");
    co_return json_response(req, failures_json(daemon, *config, std::size_t(std::stoi(limit))));
  }
  if (path == "/api/indicators") {
    nlohmann::json out = nlohmann::json::array();
    const auto edition_name = query_param(target, "edition");
    std::optional<Edition> only;
    if (edition_name) {
      only = parse_edition(*edition_name);
      if (!only) {
        co_return text(req, http::status::bad_request, "edition must be higher or secondary\n");
      }
    }
    for (Edition e : config->editions) {
      if (only && e != *only) continue;
      for (auto& item : indicators_json(daemon, e))
        out.push_back(std::move(item));
    }
    co_return json_response(req, out);
  }
  if (path == "/api/evidence/head" || path == "/api/evidence/lines") {
    auto* lines = daemon.evidence_lines();
    if (!lines) co_return text(req, http::status::not_found, "no evidence log\n");
    if (path == "/api/evidence/head") {
      const std::function<EvidenceLineReader::Head()> work = [lines] { return lines->head(); };
      const auto head = co_await off_loop(daemon, work);
      if (!head.any) {
        co_return text(req, http::status::not_found, "the evidence log has no synced record yet\n");
      }
      co_return json_response(req, {{"seq", head.seq},
                                    {"hash", head.hash},
                                    {"segment", head.segment},
                                    {"first_seq", head.first_seq},
                                    {"site", config->agent.site}});
    }
    const auto after_text = query_param(target, "after");
    const auto limit_text = query_param(target, "limit").value_or("1000");
    const auto after = after_text ? parse_seq_param(*after_text) : std::nullopt;
    const auto limit = parse_seq_param(limit_text);
    if ((after_text && !after) || !limit || *limit == 0 || *limit > kMaxEvidenceLines) {
      co_return text(req, http::status::bad_request,
                     "use /api/evidence/lines?after=SEQ&limit=N (N from 1 to " +
                         std::to_string(kMaxEvidenceLines) + "; without after: from the start)\n");
    }
    const std::function<EvidenceLineReader::Lines()> work = [lines, after, limit] {
      return lines->lines_after(after, std::size_t(*limit), kMaxEvidenceBytes);
    };
    auto batch = co_await off_loop(daemon, work);
    auto response =
        make_response(req, http::status::ok, "application/x-ndjson", std::move(batch.body));
    response.set("X-Evidence-Lines", std::to_string(batch.count));
    co_return response;
  }
  if (path == "/api/evidence") {
    auto* evidence = daemon.evidence();
    if (!evidence) co_return text(req, http::status::not_found, "no evidence log\n");
    const auto since = parse_duration(query_param(target, "since").value_or("1h"));
    if (!since)
      co_return text(req, http::status::bad_request, "since must be a duration, e.g. 1h\n");
    const auto from = std::chrono::system_clock::now() - *since;
    // A short wait for what is queued, then what is on disk: a full evidence disk must not
    // hold a worker (or the caller) for long. The header says how many records are not there.
    const std::function<std::pair<nlohmann::json, std::uint64_t>()> work = [evidence, from] {
      const bool all = evidence->flush(kEvidenceFlushWait);
      auto records = evidence_records(evidence->dir(), from, 1000);
      return std::make_pair(std::move(records), all ? 0 : evidence->pending());
    };
    auto [records, pending] = co_await off_loop(daemon, work);
    auto response = json_response(req, records);
    if (pending > 0) response.set("X-Evidence-Pending", std::to_string(pending));
    co_return response;
  }
  if (path == "/report") {
    auto* evidence = daemon.evidence();
    if (!evidence) {
      co_return text(req, http::status::not_found,
                     "no evidence log: the config has no evidence section\n");
    }
    const auto edition = parse_edition(query_param(target, "edition").value_or("higher"));
    const auto since = parse_duration(query_param(target, "since").value_or("30d"));
    const std::string format = query_param(target, "format").value_or("html");
    if (!edition || !since ||
        (format != "html" && format != "json" && format != "md" && format != "csv")) {
      co_return text(req, http::status::bad_request,
                     "use /report?edition=higher|secondary&format=html|json|md|csv&since=30d\n");
    }
    ReportRequest request;
    request.evidence_dir = evidence->dir();
    request.key = evidence->key();
    request.edition = *edition;
    request.to = std::chrono::system_clock::now();
    request.from = request.to - *since;
    request.config = config.get();
    // Reading the evidence takes time on a large log: do it on the worker pool, never on the
    // event loop that runs the checks.
    // A named function object: GCC 12 destroys a temporary lambda argument of a co_await
    // expression twice.
    std::uint64_t pending = 0;
    const std::function<ComplianceReport()> work = [&daemon, evidence, request, &pending] {
      // Include what is queued, unless the disk does not take it soon: then report from what
      // is on disk and say how much is missing.
      if (!evidence->flush(kEvidenceFlushWait)) pending = evidence->pending();
      return build_report(request, daemon.catalog());
    };
    const auto report = co_await off_loop(daemon, work);
    HttpResponse response =
        format == "json" ? json_response(req, report_json(report))
        : format == "md" ? make_response(req, http::status::ok, "text/markdown; charset=utf-8",
                                         report_markdown(report))
        : format == "csv"
            ? make_response(req, http::status::ok, "text/csv; charset=utf-8", report_csv(report))
            : make_response(req, http::status::ok, "text/html; charset=utf-8", report_html(report));
    if (pending > 0) response.set("X-Evidence-Pending", std::to_string(pending));
    co_return response;
  }
  if (path == "/") {
    // The page carries the data of its first paint; then it polls /api/* on its own.
    nlohmann::json indicators = nlohmann::json::array();
    for (Edition e : config->editions) {
      for (auto& item : indicators_json(daemon, e))
        indicators.push_back(std::move(item));
    }
    nlohmann::json initial = {{"indicators", std::move(indicators)},
                              {"checks", checks_json(daemon, *config, true)},
                              {"failures", failures_json(daemon, *config, 10)}};
    if (!config->agent.site.empty()) initial["site"] = config->agent.site;
    co_return make_response(req, http::status::ok, "text/html; charset=utf-8",
                            status_page(daemon.catalog(), std::move(initial)));
  }
  co_return text(req, http::status::not_found, "not found\n");
}

}  // namespace campus
