#pragma once
// The blocking part of the ldap probe: one libldap session (connect, StartTLS, binds, search),
// run on the worker pool. It returns plain data; the probe turns it into a result on its own
// executor.

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ldap_settings.h"
#include "probe/result.h"

namespace campus {

struct LdapOutcome {
  bool ok = false;
  FailureKind kind = FailureKind::internal;
  std::string reason;
  std::vector<std::string> log;  ///< step log lines, without secrets
  std::vector<Phase> phases;
  double entries = -1;  ///< entries found by the search, -1 when none ran
  nlohmann::json evidence = nlohmann::json::object();
};

/// Runs the session; every network wait is bounded by `budget`.
LdapOutcome run_ldap_session(const LdapSettings& settings, std::chrono::milliseconds budget);

/// RFC 4515 escaping of a value inside a search filter.
std::string ldap_filter_escape(std::string_view value);
/// RFC 4514 escaping of a value inside a DN.
std::string ldap_dn_escape(std::string_view value);

}  // namespace campus
