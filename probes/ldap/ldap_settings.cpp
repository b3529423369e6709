#include "ldap_settings.h"

#include <ldap.h>

namespace campus {

std::optional<LdapSettings> parse_ldap_settings(ProbeSetup& setup) {
  LdapSettings s;
  s.uri = setup.target;
  if (!check_url_scheme(setup.target_value, s.uri, {"ldap", "ldaps"},
                        "expected an ldap:// or ldaps:// URI, e.g. ldaps://ldap.example.edu.cn")) {
    return std::nullopt;
  }
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    if (auto v = r.get("start_tls")) s.start_tls = v->boolean().value_or(false);
    if (auto v = r.get("tls")) read_tls_block(*v, s.tls, {TlsKey::verify, TlsKey::ca_file});
    auto password_of = [&](const YamlValue& value, std::string* username) -> std::optional<Secret> {
      const SecretSet* set = setup.secret_set(value);
      if (!set) return std::nullopt;
      if (!set->password || (username && !set->username)) {
        value.error(username ? "expected a secret with username and password"
                             : "expected a secret with a password");
        return std::nullopt;
      }
      if (username) *username = *set->username;
      return *set->password;
    };
    if (auto v = r.get("bind")) {
      auto br = v->map();
      LdapSettings::Bind bind;
      if (auto d = br.required("dn")) bind.dn = d->text().value_or("");
      if (auto c = br.required("credentials")) {
        if (auto p = password_of(*c, nullptr)) bind.password = *p;
      }
      br.finish();
      s.bind = std::move(bind);
    }
    if (auto v = r.get("login")) {
      auto lr = v->map();
      LdapSettings::Login login;
      if (auto c = lr.required("credentials")) {
        if (auto p = password_of(*c, &login.username)) login.password = *p;
      }
      if (auto d = lr.get("dn")) login.dn = d->text();
      if (auto b = lr.get("base")) login.base = b->text().value_or("");
      if (auto f = lr.get("filter")) login.filter = f->text().value_or(login.filter);
      if (!login.dn && login.base.empty()) {
        v->error(
            "give dn (a direct bind like uid=${username},ou=people,dc=example,dc=edu) or "
            "base (to search for the user first)");
      }
      lr.finish();
      s.login = std::move(login);
    }
    if (auto v = r.get("search")) {
      auto sr = v->map();
      LdapSettings::Search search;
      if (auto b = sr.required("base")) search.base = b->string().value_or("");
      if (auto sc = sr.get("scope")) {
        read_enum(*sc, search.scope,
                  {{"base", int(LDAP_SCOPE_BASE)},
                   {"one", int(LDAP_SCOPE_ONELEVEL)},
                   {"sub", int(LDAP_SCOPE_SUBTREE)}});
      }
      if (auto f = sr.get("filter")) search.filter = f->text().value_or(search.filter);
      if (auto a = sr.get("attributes")) {
        search.attributes = a->string_list().value_or(std::vector<std::string>{});
      }
      if (auto m = sr.get("min_entries"))
        search.min_entries = std::size_t(m->integer(0, 1000000).value_or(1));
      if (auto e = sr.get("expect")) {
        auto er = e->map();
        for (auto& [name, value] : er.entries()) {
          if (auto text = value.string()) search.expect[name] = *text;
        }
      }
      sr.finish();
      s.search = std::move(search);
    }
  });
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace campus
