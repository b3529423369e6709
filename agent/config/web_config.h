#pragma once
// The listener's TLS and authentication, from a file in the shape of Prometheus' web.yml
// (`agent.web_config`): `tls_server_config` and `basic_auth_users` as Prometheus has them, plus
// `bearer_tokens` (SHA-256 hashes of tokens, never the tokens) and `roles`.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace campus {

/// What a user or token may do on the listener. `admin` includes everything `scraper` may.
enum class Role { scraper, admin };
const char* to_string(Role role);

/// Prometheus' names; RequestClientCert and RequireAnyClientCert are not offered: a certificate
/// that is not verified proves nothing.
enum class ClientAuth { none, verify_if_given, require_and_verify };

struct WebTls {
  std::string cert_file;  ///< absolute: relative paths are taken against the web config's folder
  std::string key_file;
  std::string client_ca_file;  ///< empty with ClientAuth::none
  ClientAuth client_auth = ClientAuth::none;
  bool tls13_only = false;  ///< min_version: TLS13; otherwise TLS 1.2 and 1.3
};

struct WebToken {
  std::string name;
  std::string sha256;  ///< 32 raw bytes
};

/// A parsed web config. Immutable once loaded; safe to share between threads.
struct WebConfig {
  std::string file;
  std::optional<WebTls> tls;
  std::map<std::string, std::string, std::less<>> users;  ///< name -> bcrypt hash
  std::vector<WebToken> tokens;
  std::map<std::string, Role, std::less<>> roles;  ///< users and tokens not named: scraper

  /// Whether requests must authenticate: users or tokens are given. A file with TLS alone keeps
  /// the listener open to whoever completes the handshake.
  bool has_credentials() const { return !users.empty() || !tokens.empty(); }
  /// Whether the handshake itself proves who connects: a verified client certificate required.
  bool requires_client_cert() const {
    return tls && tls->client_auth == ClientAuth::require_and_verify;
  }
  Role role_of(std::string_view name) const;
};

/// Reads and checks the web config at `path`. Problems (file:line, key path, what was expected)
/// go to `diagnostics`; nullptr when there were any. The file holds password hashes: like every
/// secret file it is refused when other users can read it.
std::shared_ptr<const WebConfig> load_web_config(const std::string& path, Diagnostics& diagnostics);
/// The same from text; `file_name` names it in messages and anchors relative paths.
std::shared_ptr<const WebConfig> parse_web_config(const std::string& file_name,
                                                  std::string_view text, Diagnostics& diagnostics);

}  // namespace campus
