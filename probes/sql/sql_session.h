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

/// Runs the session; it gives up (as a timeout) when `budget` is spent, and asks the server to
/// cancel the query a little before that.
SqlOutcome run_postgres_session(const SqlSettings& settings, std::chrono::milliseconds budget);
SqlOutcome run_mariadb_session(const SqlSettings& settings, std::chrono::milliseconds budget);

}  // namespace campus
