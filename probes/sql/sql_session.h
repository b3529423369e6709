#pragma once
// The blocking part of the sql probe: one database session (connect, a read-only transaction,
// the query, its rows), run on the worker pool with libpq or MariaDB Connector/C. It returns
// plain data; the probe judges the rows and builds the result on its own executor.

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probe/result.h"
#include "sql_settings.h"

namespace campus {

struct SqlOutcome {
  bool ok = false;  ///< the query ran and its rows are in `rows`
  FailureKind kind = FailureKind::internal;
  std::string reason;
  std::vector<std::string> log;                   ///< step log lines, without secrets
  std::vector<Phase> phases;                      ///< connect, query
  nlohmann::json rows = nlohmann::json::array();  ///< one object per row, column -> value
  bool truncated = false;  ///< the query had more than max_rows rows; the rest were not fetched
  std::string server;      ///< e.g. "PostgreSQL 15.18", "MariaDB 10.11.19"
  bool tls = false;
  nlohmann::json error;  ///< the server's error: sqlstate, code, message (null when none)
};

/// What the sessions of both engines share: the deadline, the outcome, and the order of a run
/// (connect, then a read-only transaction and the query, each timed as a phase).
class SqlSession {
 public:
  SqlSession(const SqlSettings& settings, std::chrono::milliseconds budget)
      : s_(settings), deadline_(std::chrono::steady_clock::now() + budget) {}
  virtual ~SqlSession() = default;
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;

  SqlOutcome run();

 protected:
  virtual bool connect() = 0;
  virtual bool begin() = 0;
  virtual bool query() = 0;

  /// Milliseconds until the deadline (negative once past it).
  long long ms_left() const;
  /// Records a failure; always false, so that `return fail(...)` ends a step.
  bool fail(FailureKind kind, std::string reason);

  const SqlSettings& s_;
  std::chrono::steady_clock::time_point deadline_;
  SqlOutcome out_;
};

/// Runs the session; it gives up (as a timeout) when `budget` is spent, and asks the server to
/// cancel the query a little before that.
SqlOutcome run_postgres_session(const SqlSettings& settings, std::chrono::milliseconds budget);
SqlOutcome run_mariadb_session(const SqlSettings& settings, std::chrono::milliseconds budget);

}  // namespace campus
