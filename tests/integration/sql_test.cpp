// The sql probe against a real PostgreSQL and a real MariaDB on 127.0.0.1 (tests/servers/
// start-postgres.sh, start-mariadb.sh): fresh, stale and missing data, a refused login, a server
// that is down, a broken query, a slow query cut at the deadline, writes refused by the
// read-only transaction, TLS, and no password anywhere in what a run keeps.

#include <chrono>
#include <cstdlib>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support.h"

using namespace campus;
using namespace campus::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDbPassword = "probepw";

struct DbEngine {
  const char* name;
  const char* scheme;
  const char* port_key;
  const char* ca_key;
  const char* sleep;  ///< a query that sleeps 10 s
};
const DbEngine kDbEngines[] = {
    {"PostgreSQL", "postgresql", "POSTGRES_PORT", "POSTGRES_CA", "SELECT slow_query(10) AS done"},
    {"MariaDB", "mariadb", "MARIADB_PORT", "MARIADB_CA", "SELECT slow_query(10) AS done"},
};

// Secret files for the test user (right and wrong password), and checks naming them.
struct SqlDb {
  TempDir dir;
  std::string secrets;

  SqlDb() {
    setenv("CAMPUS_TEST_SQL_USER", "probe", 1);
    add("db", kDbPassword);
    add("db_wrong", "not-the-probe-password");
  }
  void add(const std::string& name, const std::string& password) {
    secrets += "  " + name + ": {username_env: CAMPUS_TEST_SQL_USER, password_file: " +
               dir.file(name + ".pass", password) + "}\n";
  }
  static std::string target(const DbEngine& e, const std::string& port = "") {
    return std::string(e.scheme) + "://127.0.0.1:" + (port.empty() ? server(e.port_key) : port) +
           "/campus";
  }
  RunRecord run(const std::string& target, const std::string& params,
                const std::string& timeout = "20s") const {
    const std::string config =
        "secrets:\n" + secrets + "checks:\n  - id: q\n    probe: sql\n    target: \"" + target +
        "\"\n    timeout: " + timeout + "\n    interval: 60s\n    params: " + params + "\n";
    return run_check(config, "q");
  }
  RunRecord run(const DbEngine& e, const std::string& params) const {
    return run(target(e), params);
  }
};

std::string sql_params(const std::string& query, const std::string& more = "") {
  return "{credentials: db, query: \"" + query + "\"" + (more.empty() ? "" : ", " + more) + "}";
}

bool has_sql_phase(const ProbeResult& r, const std::string& name) {
  return std::any_of(r.phases.begin(), r.phases.end(),
                     [&](const Phase& p) { return p.name == name; });
}

// Nothing a run keeps holds the password.
void check_no_db_password(const RunRecord& r) {
  CHECK(r.result.reason.find(kDbPassword) == std::string::npos);
  CHECK(r.result.evidence.dump().find(kDbPassword) == std::string::npos);
  if (r.log) CHECK(r.log->text().find(kDbPassword) == std::string::npos);
}

}  // namespace

TEST_CASE("sql: the newest one-card transaction is fresh, on PostgreSQL and MariaDB") {
  SqlDb db;
  for (const auto& e : kDbEngines) {
    const std::string engine = e.name;
    INFO(engine);
    auto r =
        db.run(e, sql_params("SELECT max(tx_time) AS newest, count(*) AS n FROM pos_transactions",
                             "expect: ['/0/newest age <= 30m', '/0/n == 2']"));
    INFO(r.result.reason);
    INFO(r.result.evidence.dump());
    CHECK(r.result.verdict == Verdict::pass);
    CHECK(r.result.reason == "1 row, 2 conditions hold");
    CHECK(r.result.measurement("sql_rows") == 1);
    CHECK(has_sql_phase(r.result, "connect"));
    CHECK(has_sql_phase(r.result, "query"));
    const auto& ev = r.result.evidence;
    CHECK(ev["target"] == SqlDb::target(e));
    CHECK(ev["rows"] == 1);
    CHECK(ev["truncated"] == false);
    CHECK(ev["expect"][0]["ok"] == true);
    CHECK(ev["first_rows"][0]["n"] == 2);  // a number, not "2"
    CHECK(ev["server"].get<std::string>().find(e.name) == 0);
    check_no_db_password(r);
  }
}

TEST_CASE("sql: rows as JSON (numbers, booleans, nulls and text), and max_rows stops fetching") {
  SqlDb db;
  for (const auto& e : kDbEngines) {
    const std::string engine = e.name;
    INFO(engine);
    auto r =
        db.run(e, sql_params("SELECT door, granted, NULL AS nothing, 1.5 AS ratio FROM door_events "
                             "ORDER BY event_time DESC",
                             "max_rows: 3, expect: ['/2/door == east-gate', "
                             "'/0/nothing == null', '/0/ratio == 1.5']"));
    INFO(r.result.reason);
    INFO(r.result.evidence.dump());
    CHECK(r.result.verdict == Verdict::pass);
    CHECK(r.result.reason == "3 rows (max_rows; more not fetched), 3 conditions hold");
    CHECK(r.result.evidence["truncated"] == true);
    CHECK(r.result.measurement("sql_rows") == 3);
    // PostgreSQL has booleans; MariaDB's BOOLEAN is a TINYINT.
    const auto granted = r.result.evidence["first_rows"][0]["granted"];
    CHECK((granted == true || granted == 1));
  }
}

TEST_CASE("sql: a door-event count over the last hour") {
  SqlDb db;
  const std::string pg =
      "SELECT count(*) AS swipes FROM door_events WHERE event_time > now() - "
      "interval '1 hour'";
  const std::string maria =
      "SELECT count(*) AS swipes FROM door_events WHERE event_time > NOW() - INTERVAL 1 HOUR";
  for (const auto& e : kDbEngines) {
    const std::string engine = e.name;
    INFO(engine);
    auto r = db.run(e, sql_params(e.scheme == std::string("postgresql") ? pg : maria,
                                  "expect: ['/0/swipes >= 10']"));
    INFO(r.result.reason);
    CHECK(r.result.verdict == Verdict::pass);
    auto low = db.run(e, sql_params(e.scheme == std::string("postgresql") ? pg : maria,
                                    "expect: ['/0/swipes >= 50']"));
    CHECK(low.result.kind == FailureKind::bad_content);
    CHECK(low.result.reason == "/0/swipes: expected >= 50, got 10; 1 row");
  }
}

TEST_CASE("sql: stale data and no rows fail as bad_content") {
  SqlDb db;
  for (const auto& e : kDbEngines) {
    const std::string engine = e.name;
    INFO(engine);
    auto stale = db.run(e, sql_params("SELECT max(tx_time) AS newest FROM pos_transactions_stale",
                                      "expect: ['/0/newest age <= 30m']"));
    INFO(stale.result.reason);
    CHECK(stale.result.verdict == Verdict::fail);
    CHECK(stale.result.kind == FailureKind::bad_content);
    CHECK(stale.result.reason.find("/0/newest: expected age <= 30m, got 3d") == 0);
    CHECK(stale.result.evidence["expect"][0]["ok"] == false);

    auto none =
        db.run(e, sql_params("SELECT id, happened FROM empty_events", "expect: ['/0 exists']"));
    INFO(none.result.reason);
    CHECK(none.result.kind == FailureKind::bad_content);
    CHECK(none.result.reason == "/0: expected to exist, but it is missing; 0 rows");
    CHECK(none.result.measurement("sql_rows", -1) == 0);
    // Without conditions, any answer passes.
    CHECK(db.run(e, sql_params("SELECT id FROM empty_events")).result.verdict == Verdict::pass);
  }
}

TEST_CASE(
    "sql: a wrong password is auth_rejected, a closed port connect, a bad query protocol_error") {
  SqlDb db;
  for (const auto& e : kDbEngines) {
    const std::string engine = e.name;
    INFO(engine);
    auto wrong = db.run(SqlDb::target(e), "{credentials: db_wrong, query: \"SELECT 1\"}");
    INFO(wrong.result.reason);
    CHECK(wrong.result.verdict == Verdict::fail);
    CHECK(wrong.result.kind == FailureKind::auth_rejected);
    CHECK(wrong.result.evidence.dump().find("not-the-probe-password") == std::string::npos);
    CHECK(wrong.result.reason.find("not-the-probe-password") == std::string::npos);

    auto down = db.run(SqlDb::target(e, std::to_string(free_port())), sql_params("SELECT 1"));
    INFO(down.result.reason);
    CHECK(down.result.kind == FailureKind::connect);

    auto broken = db.run(e, sql_params("SELEKT 1"));
    INFO(broken.result.reason);
    CHECK(broken.result.kind == FailureKind::protocol_error);
    CHECK(broken.result.reason.find("query error: ") == 0);
    CHECK(broken.result.evidence["error"]["class"] == "query");
    auto missing = db.run(e, sql_params("SELECT * FROM no_such_table"));
    CHECK(missing.result.reason.find("query error: ") == 0);
    check_no_db_password(broken);
  }
}

TEST_CASE("sql: a slow query is cut by the check's deadline and fails as timeout") {
  SqlDb db;
  for (const auto& e : kDbEngines) {
    const std::string engine = e.name;
    INFO(engine);
    const auto start = std::chrono::steady_clock::now();
    auto r = db.run(SqlDb::target(e), sql_params(e.sleep), "2s");
    const auto took = std::chrono::steady_clock::now() - start;
    INFO(r.result.reason);
    CHECK(r.result.verdict == Verdict::fail);
    CHECK(r.result.kind == FailureKind::timeout);
    CHECK(r.result.reason.find("statement timeout") != std::string::npos);
    CHECK(took >= 1s);
    CHECK(took < 3s);
  }
}

TEST_CASE("sql: a server that accepts and never answers fails as timeout by the deadline") {
  SqlDb db;
  for (const auto& e : kDbEngines) {
    const std::string engine = e.name;
    INFO(engine);
    const auto start = std::chrono::steady_clock::now();
    auto r =
        db.run(SqlDb::target(e, server("MISBEHAVE_SILENT_PORT")), sql_params("SELECT 1"), "2s");
    const auto took = std::chrono::steady_clock::now() - start;
    INFO(r.result.reason);
    CHECK(r.result.kind == FailureKind::timeout);
    // Including the worker thread's own end: the client-side timeouts free it.
    CHECK(took < 4s);
  }
  // libpq waits under poll() and says what it was waiting for.
  auto pg = db.run(SqlDb::target(kDbEngines[0], server("MISBEHAVE_SILENT_PORT")),
                   sql_params("SELECT 1"), "2s");
  CHECK(pg.result.reason.find("no session with postgresql://127.0.0.1:") == 0);
}

TEST_CASE("sql: writes are refused by the read-only transaction") {
  SqlDb db;
  for (const auto& e : kDbEngines) {
    const std::string engine = e.name;
    INFO(engine);
    for (const std::string write :
         {"INSERT INTO empty_events (happened) VALUES (now())",
          "UPDATE pos_transactions SET amount = 0", "DELETE FROM door_events",
          "CREATE TABLE probe_was_here (id int)", "DROP TABLE pos_transactions_stale"}) {
      CAPTURE(write);
      auto r = db.run(e, sql_params(write));
      INFO(r.result.reason);
      CHECK(r.result.verdict == Verdict::fail);
      CHECK(r.result.kind == FailureKind::protocol_error);
      CHECK(r.result.reason.find("write refused: the query ran in a read-only transaction") == 0);
      CHECK(r.result.evidence["error"]["class"] == "write_refused");
    }
    // Nothing changed.
    auto count =
        db.run(e, sql_params("SELECT count(*) AS n FROM door_events", "expect: ['/0/n == 10']"));
    CHECK(count.result.verdict == Verdict::pass);
    auto tables = db.run(e, sql_params("SELECT count(*) AS n FROM information_schema.tables WHERE "
                                       "table_name IN ('probe_was_here', 'pos_transactions_stale')",
                                       "expect: ['/0/n == 1']"));
    INFO(tables.result.reason);
    CHECK(tables.result.verdict == Verdict::pass);
  }
  // PostgreSQL: a second statement cannot end the read-only transaction.
  auto two = db.run(kDbEngines[0], sql_params("COMMIT; DELETE FROM door_events"));
  CHECK(two.result.kind == FailureKind::protocol_error);
  CHECK(two.result.reason.find("cannot insert multiple commands") != std::string::npos);
  // MariaDB: one statement per query.
  auto more = db.run(kDbEngines[1], sql_params("COMMIT; DELETE FROM door_events"));
  CHECK(more.result.kind == FailureKind::protocol_error);
  CHECK(more.result.reason.find("query error: ") == 0);
}

TEST_CASE("sql: TLS verified against the test CA, and an untrusted server fails as tls") {
  SqlDb db;
  for (const auto& e : kDbEngines) {
    const std::string engine = e.name;
    INFO(engine);
    auto r = db.run(e, sql_params("SELECT 1 AS one", "tls: {ca_file: " + server(e.ca_key) + "}"));
    INFO(r.result.reason);
    CHECK(r.result.verdict == Verdict::pass);
    CHECK(r.result.evidence["tls"] == true);
    auto plain = db.run(e, sql_params("SELECT 1 AS one"));
    CHECK(plain.result.evidence["tls"] == false);
    auto unverified = db.run(e, sql_params("SELECT 1 AS one", "tls: {verify: false}"));
    CHECK(unverified.result.verdict == Verdict::pass);
    CHECK(unverified.result.evidence["tls"] == true);
    auto untrusted = db.run(e, sql_params("SELECT 1 AS one", "tls: {}"));
    INFO(untrusted.result.reason);
    CHECK(untrusted.result.kind == FailureKind::tls);
  }
}
