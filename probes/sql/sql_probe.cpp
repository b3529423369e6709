// The `sql` probe: a read-only query against PostgreSQL (libpq) or MariaDB / MySQL (MariaDB
// Connector/C), its rows judged by `expect` conditions. For data a system must keep producing:
// the one-card system's newest POS transaction, the door controllers' swipe counts, a view
// the business system keeps fresh.
//
// The database clients' calls run on the worker pool (see ldap_probe.cpp for why a pool thread
// per running check is fine). Every wait in them is bounded by the check's deadline, on the
// client side and, for the query, by a statement timeout the server enforces.

#include <utility>

#include "core/redactor.h"
#include "probe/blocking.h"
#include "probe/registry.h"
#include "sql_rows.h"
#include "sql_session.h"
#include "sql_settings.h"

namespace campus {
namespace {

// Rows shown in evidence, and how much of each value.
constexpr std::size_t kEvidenceRows = 5;
constexpr std::size_t kEvidenceValueBytes = 200;

class SqlProbe final : public Probe {
 public:
  explicit SqlProbe(SqlSettings settings)
      : s_(std::make_shared<const SqlSettings>(std::move(settings))),
        redactor_(std::vector<std::string>{s_->password.value()}) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    // The session gives up a little before the deadline, so that it reports what it was
    // waiting for (and frees its worker) before the run is cancelled.
    const auto budget = ctx.remaining();
    const auto margin = std::min(std::chrono::milliseconds(500), budget / 10);
    const std::function<SqlOutcome()> work = [settings = s_, inner = budget - margin] {
      return settings->engine == SqlEngine::postgresql ? run_postgres_session(*settings, inner)
                                                       : run_mariadb_session(*settings, inner);
    };
    nlohmann::json evidence = {
        {"target", s_->target()},
        {"engine", s_->engine == SqlEngine::postgresql ? "postgresql" : "mariadb"},
        {"query", s_->query}};
    auto outcome = co_await run_blocking<SqlOutcome>(ctx, work);
    if (!outcome) {
      co_return ProbeResult::fail(FailureKind::timeout,
                                  "the database session did not finish in time", evidence);
    }
    for (const auto& line : outcome->log)
      ctx.log.add(redactor_.text(line));
    if (!outcome->server.empty()) evidence["server"] = outcome->server;
    evidence["tls"] = outcome->tls;
    if (!outcome->ok) {
      if (!outcome->error.is_null()) evidence["error"] = redactor_.json(outcome->error);
      ProbeResult failed =
          ProbeResult::fail(outcome->kind, redactor_.text(outcome->reason), std::move(evidence));
      failed.phases = std::move(outcome->phases);
      co_return failed;
    }

    const nlohmann::json& rows = outcome->rows;
    evidence["rows"] = rows.size();
    evidence["truncated"] = outcome->truncated;
    if (ctx.wants_evidence) {
      evidence["first_rows"] =
          redactor_.json(sql::first_rows(rows, kEvidenceRows, kEvidenceValueBytes));
    }
    std::vector<std::string> failures;
    nlohmann::json checked = nlohmann::json::array();
    for (const auto& condition : s_->expect) {
      auto failure = condition.check(rows);
      nlohmann::json entry = {{"condition", condition.text()}, {"ok", !failure}};
      if (failure) entry["message"] = redactor_.text(*failure);
      checked.push_back(std::move(entry));
      if (failure) failures.push_back(redactor_.text(*failure));
    }
    if (!s_->expect.empty()) evidence["expect"] = std::move(checked);

    const std::string row_text = std::to_string(rows.size()) +
                                 (rows.size() == 1 ? " row" : " rows") +
                                 (outcome->truncated ? " (max_rows; more not fetched)" : "");
    ProbeResult result =
        failures.empty()
            ? ProbeResult::pass(
                  row_text +
                  (s_->expect.empty()
                       ? std::string()
                       : ", " + std::to_string(s_->expect.size()) +
                             (s_->expect.size() == 1 ? " condition holds" : " conditions hold")))
            : ProbeResult::fail(
                  FailureKind::bad_content,
                  failures.front() +
                      (failures.size() > 1
                           ? " (and " + std::to_string(failures.size() - 1) + " more failed)"
                           : std::string()) +
                      "; " + row_text);
    result.phases = std::move(outcome->phases);
    result.measure("sql_rows", double(rows.size()));
    result.evidence = std::move(evidence);
    co_return result;
  }

 private:
  std::shared_ptr<const SqlSettings> s_;
  Redactor redactor_;
};

}  // namespace

CAMPUS_REGISTER_PROBE("sql", probe_from_settings<SqlProbe>(parse_sql_settings),
                      .measurements = {{"sql_rows", "Rows the query returned (at most max_rows)"}});

}  // namespace campus
