#pragma once
// The params of an `ldap` check.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/settings.h"
#include "core/secrets.h"
#include "probe/probe.h"

namespace campus {

struct LdapSettings {
  std::string uri;  ///< ldap://host:port or ldaps://host:port
  bool start_tls = false;
  TlsSettings tls;  ///< verify and ca_file

  /// A service account to bind as first (for searching); anonymous when absent.
  struct Bind {
    std::string dn;
    Secret password;
  };
  std::optional<Bind> bind;

  /// The test user's login: a direct DN template, or a search for the user's entry then a bind
  /// as it. `${username}` in dn or filter is the account's username (escaped for its place).
  struct Login {
    std::string username;
    Secret password;
    std::optional<std::string> dn;
    std::string base;
    std::string filter = "(uid=${username})";
  };
  std::optional<Login> login;

  struct Search {
    std::string base;
    int scope = 2;  ///< LDAP_SCOPE_SUBTREE
    std::string filter = "(objectClass=*)";
    std::vector<std::string> attributes;
    std::size_t min_entries = 1;
    std::map<std::string, std::string> expect;  ///< attribute → a value it must have
  };
  std::optional<Search> search;
};

std::optional<LdapSettings> parse_ldap_settings(ProbeSetup& setup);

}  // namespace campus
