// The MariaDB / MySQL session, with MariaDB Connector/C's blocking calls bounded by its connect,
// read and write timeouts (whole seconds, from the time left) and by a server-side statement
// timeout a little before the deadline.

#include <cmath>
#include <errmsg.h>
#include <memory>
#include <mysql.h>
#include <mysqld_error.h>

#include "sql_rows.h"
#include "sql_session.h"

namespace campus {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct MysqlClose {
  void operator()(MYSQL* mysql) const { mysql_close(mysql); }
};
using MysqlPtr = std::unique_ptr<MYSQL, MysqlClose>;
struct MysqlResultFree {
  void operator()(MYSQL_RES* result) const { mysql_free_result(result); }
};
using MysqlResultPtr = std::unique_ptr<MYSQL_RES, MysqlResultFree>;

// MySQL's "maximum statement execution time exceeded" (MariaDB's is ER_STATEMENT_TIMEOUT).
constexpr unsigned kMysqlQueryTimeout = 3024;
// "Cannot execute statement in a READ ONLY transaction".
constexpr unsigned kReadOnlyTransaction = 1792;

bool numeric(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
      return true;
    default:
      return false;
  }
}

class MariaSession final : public SqlSession {
 public:
  using SqlSession::SqlSession;

 private:
  // The error of the last call, classified.
  bool failed(bool connecting) {
    MYSQL* m = mysql_.get();
    const unsigned code = mysql_errno(m);
    const std::string message = mysql_error(m);
    const std::string sqlstate = mysql_sqlstate(m);
    out_.error = {{"code", code}, {"sqlstate", sqlstate}, {"message", message}};
    const std::string coded = message + " (error " + std::to_string(code) + ")";
    switch (code) {
      case ER_ACCESS_DENIED_ERROR:
      case ER_DBACCESS_DENIED_ERROR:
      case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
        out_.error["class"] = "auth";
        return fail(FailureKind::auth_rejected, coded);
      case CR_CONNECTION_ERROR:
      case CR_CONN_HOST_ERROR:
        return fail(ms_left() <= 0 ? FailureKind::timeout : FailureKind::connect, coded);
      case CR_UNKNOWN_HOST:
        return fail(FailureKind::resolve, coded);
      case CR_SSL_CONNECTION_ERROR:
        return fail(FailureKind::tls, coded);
      case CR_SERVER_LOST:
      case CR_SERVER_GONE_ERROR:
        if (ms_left() <= 1000) {
          return fail(FailureKind::timeout,
                      "no answer " + std::string(connecting ? "while connecting" : "to the query") +
                          " before the timeout (client side): " + coded);
        }
        return fail(connecting ? FailureKind::connect : FailureKind::protocol_error, coded);
      case kReadOnlyTransaction:
        out_.error["class"] = "write_refused";
        return fail(FailureKind::protocol_error,
                    "write refused: the query ran in a read-only transaction (" + message + ")");
      case ER_STATEMENT_TIMEOUT:
      case kMysqlQueryTimeout:
        out_.error["class"] = "timeout";
        return fail(FailureKind::timeout,
                    "the server cancelled the query at the statement timeout of " +
                        std::to_string(statement_timeout_ms_) + " ms (" + message + ")");
      default:
        if (connecting) return fail(FailureKind::connect, coded);
        out_.error["class"] = "query";
        return fail(FailureKind::protocol_error, "query error: " + coded);
    }
  }

  bool connect() override {
    mysql_.reset(mysql_init(nullptr));
    if (!mysql_) return fail(FailureKind::internal, "Connector/C could not allocate a connection");
    MYSQL* m = mysql_.get();
    // Whole seconds, rounded up; each read and write waits at most this long.
    const unsigned timeout = unsigned(std::max(1LL, (ms_left() + 999) / 1000));
    mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
    // TCP even for "localhost" (Connector/C would take the default Unix socket).
    unsigned protocol = MYSQL_PROTOCOL_TCP;
    mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
    mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    my_bool off = 0;
    mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &off);
    // Every transaction of the session is read-only, also after an implicit commit (DDL ends
    // a START TRANSACTION READ ONLY before it runs; the session's access mode still refuses it).
    mysql_optionsv(m, MYSQL_INIT_COMMAND, "SET SESSION TRANSACTION READ ONLY");
    const bool verify = s_.tls && s_.tls->verify;
    if (s_.tls) {
      my_bool on = 1;
      my_bool check = verify ? 1 : 0;
      mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
      mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &check);
      if (s_.tls->ca_file) {
        mysql_optionsv(m, MYSQL_OPT_SSL_CA, s_.tls->ca_file->c_str());
      } else if (verify) {
        mysql_optionsv(m, MYSQL_OPT_SSL_CAPATH, "/etc/ssl/certs");
      }
      if (s_.tls->cert_file && s_.tls->key_file) {
        mysql_optionsv(m, MYSQL_OPT_SSL_CERT, s_.tls->cert_file->c_str());
        mysql_optionsv(m, MYSQL_OPT_SSL_KEY, s_.tls->key_file->c_str());
      }
    }
    out_.log.push_back(
        "connecting to " + s_.target() + " as " + s_.username +
        (s_.tls ? verify ? " (TLS, verifying the server)" : " (TLS, not verified)" : ""));
    // No CLIENT_MULTI_STATEMENTS: the query is one statement.
    if (!mysql_real_connect(m, s_.host.c_str(), s_.username.c_str(), s_.password.value().c_str(),
                            s_.database.c_str(), unsigned(s_.port), nullptr, 0)) {
      return failed(true);
    }
    const std::string info = mysql_get_server_info(m);
    mariadb_ = info.find("MariaDB") != std::string::npos;
    const std::string version = info.substr(0, info.find('-'));
    out_.server = (mariadb_ ? "MariaDB " : "MySQL ") + version;
    out_.tls = mysql_get_ssl_cipher(m) != nullptr;
    out_.log.push_back("connected to " + out_.server + (out_.tls ? " over TLS" : ""));
    return true;
  }

  bool run_statement(const std::string& sql) {
    if (mysql_real_query(mysql_.get(), sql.data(), sql.size()) != 0) return failed(false);
    // A statement of ours returns no rows; drop any.
    MysqlResultPtr ignored(mysql_store_result(mysql_.get()));
    return true;
  }

  // The server's row limit (one more than max_rows, to know whether there were more) and
  // statement timeout, then the read-only transaction.
  bool begin() override {
    statement_timeout_ms_ = std::max(100LL, ms_left() - 250);
    const std::string limit = "SET SESSION sql_select_limit = " + std::to_string(s_.max_rows + 1);
    const std::string timeout =
        mariadb_ ? ", max_statement_time = " + std::to_string(statement_timeout_ms_ / 1000) + "." +
                       std::to_string(1000 + statement_timeout_ms_ % 1000).substr(1)
                 : ", max_execution_time = " + std::to_string(statement_timeout_ms_);
    if (!run_statement(limit + timeout)) return false;
    if (!run_statement("START TRANSACTION READ ONLY")) return false;
    out_.log.push_back("read-only transaction, statement timeout " +
                       std::to_string(statement_timeout_ms_) + " ms");
    return true;
  }

  bool query() override {
    MYSQL* m = mysql_.get();
    if (mysql_real_query(m, s_.query.data(), s_.query.size()) != 0) return failed(false);
    out_.log.push_back("query ran");
    MysqlResultPtr result(mysql_use_result(m));
    if (!result) {
      if (mysql_field_count(m) != 0) return failed(false);
      out_.log.push_back("no result set, " + std::to_string(mysql_affected_rows(m)) +
                         " rows affected");
      return finish();
    }
    const unsigned columns = mysql_num_fields(result.get());
    const MYSQL_FIELD* fields = mysql_fetch_fields(result.get());
    bool has_timestamp = false;
    for (unsigned c = 0; c < columns; ++c)
      has_timestamp = has_timestamp || fields[c].type == MYSQL_TYPE_TIMESTAMP;
    while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
      if (out_.rows.size() >= s_.max_rows) {
        out_.truncated = true;
        break;
      }
      const unsigned long* lengths = mysql_fetch_lengths(result.get());
      nlohmann::json object = nlohmann::json::object();
      for (unsigned c = 0; c < columns; ++c) {
        const std::string name(fields[c].name, fields[c].name_length);
        if (!row[c]) {
          object[name] = nullptr;
          continue;
        }
        const std::string_view text(row[c], lengths[c]);
        object[name] = numeric(fields[c].type) ? sql::number_value(text) : sql::text_value(text);
      }
      out_.rows.push_back(std::move(object));
    }
    if (!out_.truncated && mysql_errno(m) != 0) return failed(false);
    result.reset();  // reads what is left: at most one row, by sql_select_limit
    out_.log.push_back(std::to_string(out_.rows.size()) +
                       (out_.rows.size() == 1 ? " row" : " rows") +
                       (out_.truncated ? " (more not fetched: max_rows)" : ""));
    if (has_timestamp && !out_.rows.empty()) mark_timestamps(fields, columns);
    return finish();
  }

  // TIMESTAMP values are instants shown in the session's time zone: give them its offset, so
  // that `age` reads them right whatever the server's zone. (DATETIME values are wall-clock
  // times without a zone and stay as they are.)
  void mark_timestamps(const MYSQL_FIELD* fields, unsigned columns) {
    std::vector<std::string> names;
    for (unsigned c = 0; c < columns; ++c) {
      if (fields[c].type == MYSQL_TYPE_TIMESTAMP)
        names.emplace_back(fields[c].name, fields[c].name_length);
    }
    const std::string sql = "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW())";
    if (mysql_real_query(mysql_.get(), sql.data(), sql.size()) != 0) return;
    MysqlResultPtr r(mysql_store_result(mysql_.get()));
    MYSQL_ROW row = r ? mysql_fetch_row(r.get()) : nullptr;
    if (!row || !row[0]) return;
    const long long seconds = std::llround(std::atof(row[0]) / 60) * 60;
    const std::string offset = sql::offset_text(seconds);
    for (auto& object : out_.rows) {
      for (const auto& name : names) {
        auto& value = object[name];
        if (value.is_string() && value.get_ref<const std::string&>().size() >= 19)
          value = value.get<std::string>() + offset;
      }
    }
    out_.log.push_back("TIMESTAMP values are at the session's UTC offset " + offset);
  }

  bool finish() {
    // Best effort: the connection closes next anyway.
    mysql_real_query(mysql_.get(), "ROLLBACK", 8);
    return true;
  }

  MysqlPtr mysql_;
  bool mariadb_ = true;
  long long statement_timeout_ms_ = 0;
};

}  // namespace

SqlOutcome run_mariadb_session(const SqlSettings& settings, std::chrono::milliseconds budget) {
  return MariaSession(settings, budget).run();
}

}  // namespace campus
