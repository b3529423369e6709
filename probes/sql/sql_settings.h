#pragma once
// The target and params of an `sql` check.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/settings.h"
#include "core/json_assertion.h"
#include "core/secrets.h"
#include "probe/probe.h"

namespace campus {

enum class SqlEngine { postgresql, mariadb };

struct SqlSettings {
  SqlEngine engine = SqlEngine::postgresql;
  std::string scheme;  ///< as written: postgresql, postgres, mysql or mariadb
  std::string host;    ///< without brackets for IPv6
  int port = 0;
  std::string database;
  std::string username;
  Secret password;
  std::string query;
  std::vector<JsonAssertion> expect;  ///< on the array of row objects
  std::optional<TlsSettings> tls;     ///< absent: no TLS
  std::size_t max_rows = 100;

  /// scheme://host:port/database, never with credentials: for evidence and messages.
  std::string target() const;
};

/// Reads `postgresql://host[:port]/db`, `mysql://…` or `mariadb://…`; nullopt with an error on
/// `setup.target_value` otherwise.
struct SqlTarget {
  SqlEngine engine;
  std::string scheme;
  std::string host;
  int port;
  std::string database;
};
std::optional<SqlTarget> parse_sql_target(const std::string& target, std::string& error);

std::optional<SqlSettings> parse_sql_settings(ProbeSetup& setup);

}  // namespace campus
