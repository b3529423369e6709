// The PostgreSQL session, with libpq's non-blocking calls and poll(2), so that every wait (the
// connection, TLS, authentication, the query) ends by the session's deadline even when the
// server stops answering.

#include <cerrno>
#include <libpq-fe.h>
#include <memory>
#include <poll.h>

#include "sql_rows.h"
#include "sql_session.h"

namespace campus {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct PgConnClose {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnClose>;
struct PgResultClear {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultClear>;

// Type OIDs of pg_type.h (catalog/pg_type_d.h is not part of libpq-dev's client headers).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kJson = 114, kFloat4 = 700,
              kFloat8 = 701, kTimestampTz = 1184, kNumeric = 1700, kJsonb = 3802;

nlohmann::json pg_value(const PGresult* r, int row, int column) {
  if (PQgetisnull(r, row, column)) return nullptr;
  const std::string_view text(PQgetvalue(r, row, column), std::size_t(PQgetlength(r, row, column)));
  switch (PQftype(r, column)) {
    case kBool:
      return text == "t";
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
    case kFloat4:
    case kFloat8:
    case kNumeric:
      return sql::number_value(text);
    case kJson:
    case kJsonb:
      return sql::json_value(text);
    case kTimestampTz:
      return sql::text_value(sql::iso_offset(text));
    default:
      return sql::text_value(text);
  }
}

std::string trim_message(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  for (auto& c : text)
    if (c == '\n') c = ' ';
  return text;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class PgSession final : public SqlSession {
 public:
  using SqlSession::SqlSession;

 private:
  // Waits until libpq's socket is ready; false when the deadline passes first.
  bool wait(bool for_write) {
    pollfd p{PQsocket(conn_.get()), short(for_write ? POLLOUT : POLLIN), 0};
    if (p.fd < 0) return true;  // libpq reports the broken connection itself
    for (;;) {
      const long long left = ms_left();
      if (left <= 0) return false;
      const int rc = poll(&p, 1, int(std::min<long long>(left, 60000)));
      if (rc > 0) return true;
      if (rc < 0 && errno != EINTR) return true;
    }
  }

  bool connect() override {
    const bool verify = s_.tls && s_.tls->verify;
    const std::string port = std::to_string(s_.port);
    // libpq's own bound on each connection attempt, in whole seconds (at least 2); poll() below
    // enforces the real deadline.
    const std::string connect_timeout = std::to_string(std::max(2LL, ms_left() / 1000 + 1));
    // Read-only by default for the whole session, ISO dates whatever the server's DateStyle,
    // and a statement timeout for the session (narrowed again before the query).
    const std::string options =
        "-c default_transaction_read_only=on -c DateStyle=ISO "
        "-c client_min_messages=warning -c statement_timeout=" +
        std::to_string(std::max(1LL, ms_left()));
    std::vector<const char*> keys{"host",     "port",
                                  "dbname",   "user",
                                  "password", "connect_timeout",
                                  "options",  "application_name",
                                  "sslmode"};
    std::vector<const char*> values{s_.host.c_str(),
                                    port.c_str(),
                                    s_.database.c_str(),
                                    s_.username.c_str(),
                                    s_.password.value().c_str(),
                                    connect_timeout.c_str(),
                                    options.c_str(),
                                    "campus-probe",
                                    !s_.tls  ? "disable"
                                    : verify ? "verify-full"
                                             : "require"};
    // Verification against the system's CAs unless a CA file is named (libpq 15 has no
    // sslrootcert=system).
    const std::string ca = s_.tls && s_.tls->ca_file
                               ? *s_.tls->ca_file
                               : std::string("/etc/ssl/certs/ca-certificates.crt");
    if (verify) {
      keys.push_back("sslrootcert");
      values.push_back(ca.c_str());
    }
    if (s_.tls && s_.tls->cert_file && s_.tls->key_file) {
      keys.push_back("sslcert");
      values.push_back(s_.tls->cert_file->c_str());
      keys.push_back("sslkey");
      values.push_back(s_.tls->key_file->c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    out_.log.push_back(
        "connecting to " + s_.target() + " as " + s_.username +
        (s_.tls ? verify ? " (TLS, verifying the server)" : " (TLS, not verified)" : ""));
    conn_.reset(PQconnectStartParams(keys.data(), values.data(), 0));
    if (!conn_) return fail(FailureKind::internal, "libpq could not allocate a connection");
    if (PQstatus(conn_.get()) == CONNECTION_BAD) return connect_failed();
    PostgresPollingStatusType status = PGRES_POLLING_WRITING;
    while (status != PGRES_POLLING_OK) {
      if (status == PGRES_POLLING_FAILED) return connect_failed();
      if (!wait(status == PGRES_POLLING_WRITING)) {
        return fail(FailureKind::timeout, "no session with " + s_.target() +
                                              " before the timeout (connecting, TLS or login)");
      }
      status = PQconnectPoll(conn_.get());
    }
    out_.tls = PQsslInUse(conn_.get()) == 1;
    const int version = PQserverVersion(conn_.get());
    out_.server =
        "PostgreSQL " + std::to_string(version / 10000) + "." + std::to_string(version % 10000);
    out_.log.push_back("connected to " + out_.server + (out_.tls ? " over TLS" : ""));
    return true;
  }

  bool connect_failed() {
    const std::string message = trim_message(PQerrorMessage(conn_.get()));
    FailureKind kind = FailureKind::connect;
    if (contains(message, "password authentication failed") ||
        contains(message, "authentication failed") || contains(message, "no pg_hba.conf entry") ||
        contains(message, "password is required") ||
        contains(message, "permission denied for database")) {
      kind = FailureKind::auth_rejected;
    } else if (contains(message, "could not translate host name")) {
      kind = FailureKind::resolve;
    } else if (contains(message, "SSL") || contains(message, "certificate")) {
      kind = FailureKind::tls;
    } else if (contains(message, "timeout expired")) {
      kind = FailureKind::timeout;
    } else if (contains(message, "does not exist")) {
      kind = FailureKind::protocol_error;  // the database
    }
    out_.error = {{"message", message}};
    return fail(kind, message);
  }

  // The next result of the running command, waiting until the deadline; null when there are no
  // more. Sets timed_out_ when the deadline passed.
  PgResultPtr next_result() {
    while (PQisBusy(conn_.get())) {
      if (!wait(false)) {
        timed_out_ = true;
        return nullptr;
      }
      if (!PQconsumeInput(conn_.get())) break;  // PQgetResult reports the error
    }
    return PgResultPtr(PQgetResult(conn_.get()));
  }

  bool query_failed(const PGresult* r) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const std::string sqlstate = state ? state : "";
    const std::string message = primary ? primary : trim_message(PQresultErrorMessage(r));
    out_.error = {{"sqlstate", sqlstate}, {"message", message}};
    if (sqlstate == "25006") {
      out_.error["class"] = "write_refused";
      return fail(FailureKind::protocol_error,
                  "write refused: the query ran in a read-only transaction (" + message + ")");
    }
    if (sqlstate == "57014") {
      out_.error["class"] = "timeout";
      return fail(FailureKind::timeout,
                  "the server cancelled the query at the statement timeout of " +
                      std::to_string(statement_timeout_ms_) + " ms (" + message + ")");
    }
    if (sqlstate.starts_with("28")) {
      out_.error["class"] = "auth";
      return fail(FailureKind::auth_rejected, message);
    }
    out_.error["class"] = "query";
    return fail(
        FailureKind::protocol_error,
        "query error: " + message + (sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")"));
  }

  bool timed_out(std::string_view what) {
    return fail(FailureKind::timeout,
                "no answer " + std::string(what) + " before the timeout (client side)");
  }

  // Opens the read-only transaction and narrows the statement timeout to the time left, a
  // little before the deadline, so that the server ends a slow query and says so.
  bool begin() override {
    statement_timeout_ms_ = std::max(100LL, ms_left() - 250);
    const std::string sql =
        "BEGIN READ ONLY; SET LOCAL statement_timeout = " + std::to_string(statement_timeout_ms_);
    if (!PQsendQuery(conn_.get(), sql.c_str())) {
      return fail(FailureKind::connect, trim_message(PQerrorMessage(conn_.get())));
    }
    bool ok = true;
    while (auto r = next_result()) {
      if (PQresultStatus(r.get()) != PGRES_COMMAND_OK && ok) ok = query_failed(r.get());
    }
    if (timed_out_) return timed_out("to BEGIN READ ONLY");
    if (ok)
      out_.log.push_back("read-only transaction, statement timeout " +
                         std::to_string(statement_timeout_ms_) + " ms");
    return ok;
  }

  bool query() override {
    // The extended query protocol takes exactly one statement: no "COMMIT; DELETE ..." can
    // leave the read-only transaction.
    if (!PQsendQueryParams(conn_.get(), s_.query.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                           0)) {
      return fail(FailureKind::connect, trim_message(PQerrorMessage(conn_.get())));
    }
    PQsetSingleRowMode(conn_.get());
    out_.log.push_back("query sent");
    bool ok = true;
    std::string command;
    while (auto r = next_result()) {
      const auto status = PQresultStatus(r.get());
      if (status == PGRES_SINGLE_TUPLE) {
        if (out_.rows.size() >= s_.max_rows) {
          // More rows than wanted: stop reading. Closing the connection ends the query; nothing
          // is lost, the transaction was read-only.
          out_.truncated = true;
          break;
        }
        nlohmann::json row = nlohmann::json::object();
        for (int c = 0; c < PQnfields(r.get()); ++c)
          row[PQfname(r.get(), c)] = pg_value(r.get(), 0, c);
        out_.rows.push_back(std::move(row));
      } else if (status == PGRES_TUPLES_OK) {
        // the end of the rows
      } else if (status == PGRES_COMMAND_OK) {
        command = PQcmdStatus(r.get());
      } else if (ok) {
        ok = query_failed(r.get());
      }
    }
    if (timed_out_) return timed_out("to the query");
    if (!ok) return false;
    out_.log.push_back(std::to_string(out_.rows.size()) +
                       (out_.rows.size() == 1 ? " row" : " rows") +
                       (out_.truncated ? " (more not fetched: max_rows)" : "") +
                       (command.empty() ? "" : ", command " + command));
    if (!out_.truncated) {
      // Best effort: the connection closes next anyway.
      if (PQsendQuery(conn_.get(), "ROLLBACK")) {
        while (next_result()) {
        }
      }
    }
    return true;
  }

  PgConnPtr conn_;
  bool timed_out_ = false;
  long long statement_timeout_ms_ = 0;
};

}  // namespace

SqlOutcome run_postgres_session(const SqlSettings& settings, std::chrono::milliseconds budget) {
  return PgSession(settings, budget).run();
}

}  // namespace campus
