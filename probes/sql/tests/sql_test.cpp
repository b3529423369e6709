// The sql probe's targets and params are checked when the config loads, with the place of each
// mistake; column values become JSON the `expect` conditions can read.

#include <string>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"
#include "sql/sql_rows.h"
#include "sql/sql_settings.h"

using namespace campus;

namespace {

struct SqlFixture {
  Catalog catalog = Catalog::builtin();
  ProbeRegistry probes = ProbeRegistry::builtin();

  // The problems of a config with one sql check; "" when it loads.
  std::string errors(const std::string& target, const std::string& params) {
    std::string text =
        "secrets:\n"
        "  db: {username: probe, password_env: P}\n"
        "  token_only: {token_env: P}\n"
        "checks:\n"
        "  - id: q\n"
        "    probe: sql\n"
        "    target: " +
        target + "\n";
    if (!params.empty()) text += "    params: " + params + "\n";
    ConfigLoadOptions options{
        catalog, [](const std::string&) { return std::optional<std::string>("pw-value"); }};
    Diagnostics d;
    auto plan = load_plan_text("campus.yaml", text, options, probes, d);
    return plan ? std::string() : d.str();
  }
};

const std::string kGood = "{credentials: db, query: \"SELECT 1 AS one\"}";

}  // namespace

TEST_CASE_FIXTURE(SqlFixture, "sql: valid checks load") {
  CHECK(errors("postgresql://db.example.edu.cn:5432/onecard", kGood) == "");
  CHECK(errors("postgres://db.example.edu.cn/onecard", kGood) == "");
  CHECK(errors("mysql://10.20.0.8/door", kGood) == "");
  CHECK(errors("mariadb://[2001:db8::5]:3307/door", kGood) == "");
  CHECK(errors("postgresql://db/onecard",
               "{credentials: db, query: \"SELECT max(tx_time) AS newest FROM t\", "
               "expect: [\"/0/newest age <= 30m\", \"/0 exists\"], max_rows: 5, "
               "tls: {verify: true, ca_file: /etc/ssl/certs/ca-certificates.crt}}") == "");
  CHECK(errors("mysql://db/door", "{credentials: db, query: \"SELECT 1\", tls: {verify: false}}") ==
        "");
}

TEST_CASE_FIXTURE(SqlFixture, "sql: mistakes are reported at their place") {
  std::string e = errors("oracle://db/x", kGood);
  CHECK(e.find("campus.yaml:7:13: checks[0].target: unknown scheme 'oracle'") != std::string::npos);
  e = errors("postgresql://probe:secret@db/x", kGood);
  CHECK(e.find("must not hold credentials") != std::string::npos);
  e = errors("postgresql://db:99999/x", kGood);
  CHECK(e.find("bad port '99999'") != std::string::npos);
  e = errors("postgresql://db", kGood);
  CHECK(e.find("missing the database name") != std::string::npos);
  e = errors("postgresql://db/x", "");
  CHECK(e.find("needs params with credentials and query") != std::string::npos);
  e = errors("postgresql://db/x", "{credentials: db}");
  CHECK(e.find("campus.yaml:8:13: checks[0].params.query: missing required key") !=
        std::string::npos);
  e = errors("postgresql://db/x", "{query: \"SELECT 1\"}");
  CHECK(e.find("checks[0].params.credentials: missing required key") != std::string::npos);
  e = errors("postgresql://db/x", "{credentials: nobody, query: \"SELECT 1\"}");
  CHECK(e.find("secret 'nobody' is not defined") != std::string::npos);
  e = errors("postgresql://db/x", "{credentials: token_only, query: \"SELECT 1\"}");
  CHECK(e.find("credentials needs a secret with username and password") != std::string::npos);
  e = errors("postgresql://db/x",
             "{credentials: db, query: \"SELECT 1\", expect: [\"/0 age == 5m\"]}");
  CHECK(e.find("checks[0].params.expect") != std::string::npos);
  CHECK(e.find("expected one of < <= > >= after 'age'") != std::string::npos);
  e = errors("postgresql://db/x", "{credentials: db, query: \"SELECT 1\", max_rows: 0}");
  CHECK(e.find("checks[0].params.max_rows: expected an integer from 1 to 10000") !=
        std::string::npos);
  e = errors("postgresql://db/x", "{credentials: db, query: \"SELECT 1\", tls: {mode: x}}");
  CHECK(e.find("unknown key 'mode'") != std::string::npos);
  e = errors("postgresql://db/x", "{credentials: db, query: \" \"}");
  CHECK(e.find("checks[0].params.query") != std::string::npos);
}

TEST_CASE("sql: targets") {
  std::string error;
  auto t = parse_sql_target("postgresql://db.example.edu.cn/onecard", error);
  REQUIRE(t);
  CHECK(t->engine == SqlEngine::postgresql);
  CHECK(t->port == 5432);
  CHECK(t->host == "db.example.edu.cn");
  CHECK(t->database == "onecard");
  t = parse_sql_target("mariadb://[::1]:3307/door", error);
  REQUIRE(t);
  CHECK(t->engine == SqlEngine::mariadb);
  CHECK(t->host == "::1");
  CHECK(t->port == 3307);
  CHECK_FALSE(parse_sql_target("mysql://::1/door", error));
  CHECK_FALSE(parse_sql_target("mysql://db/door?ssl=true", error));
  CHECK_FALSE(parse_sql_target("mysql:///door", error));
  SqlSettings s;
  s.scheme = "mariadb";
  s.host = "::1";
  s.port = 3307;
  s.database = "door";
  CHECK(s.target() == "mariadb://[::1]:3307/door");
}

TEST_CASE("sql: column values as JSON") {
  CHECK(sql::iso_offset("2026-11-28 12:00:00.5+08") == "2026-11-28 12:00:00.5+08:00");
  CHECK(sql::iso_offset("2026-11-28 12:00:00-03:30") == "2026-11-28 12:00:00-03:30");
  CHECK(sql::iso_offset("1890-01-01 00:00:00+05:53:28") == "1890-01-01 00:00:00+05:53");
  CHECK(sql::iso_offset("infinity") == "infinity");
  CHECK(sql::iso_offset("2026-11-28 12:00:00") == "2026-11-28 12:00:00");
  CHECK(sql::offset_text(8 * 3600) == "+08:00");
  CHECK(sql::offset_text(-(3 * 3600 + 1800)) == "-03:30");
  CHECK(sql::number_value("12.50") == 12.5);
  CHECK(sql::number_value("42") == 42);
  CHECK(sql::number_value("NaN") == "NaN");
  CHECK(sql::json_value("{\"a\": [1]}")["a"][0] == 1);
  CHECK(sql::text_value("caf\xff") == "caf?");
  const nlohmann::json rows = nlohmann::json::parse(
      R"([{"a": "0123456789", "n": 1}, {"a": "x", "n": 2}, {"a": "y", "n": 3}])");
  const auto first = sql::first_rows(rows, 2, 4);
  REQUIRE(first.size() == 2);
  CHECK(first[0]["a"] == "0123");
  CHECK(first[1]["n"] == 2);
}
