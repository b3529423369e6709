#pragma once
// The params of an `http` check, parsed and validated once when the config loads.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/settings.h"
#include "core/json_assertion.h"
#include "core/regex.h"
#include "probe/probe.h"

namespace campus {

struct HttpSettings {
  std::string url;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;
  std::vector<int> valid_status;  ///< empty: any 2xx
  bool follow_redirects = true;
  int max_redirects = 10;
  std::vector<Regex> body_must_match;
  std::vector<Regex> body_must_not_match;
  std::vector<JsonAssertion> json_assert;
  std::optional<std::chrono::milliseconds> max_duration;
  std::size_t max_body_bytes = 1 << 20;

  /// server_name: TLS SNI and certificate name when they differ from the URL's host.
  TlsSettings tls;

  enum class Auth { none, basic, bearer, digest } auth = Auth::none;
  std::string auth_user;  ///< not secret
  Secret auth_secret;     ///< password or token

  std::optional<std::string> proxy;
  std::vector<std::string> resolve;  ///< curl's --resolve entries, "host:port:address"
  int ip_version = 0;                ///< 0 any, 4 or 6
};

/// Parses `setup.params` into settings; nullopt after recording errors.
std::optional<HttpSettings> parse_http_settings(ProbeSetup& setup);

}  // namespace campus
