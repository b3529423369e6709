#include "oidc_settings.h"

#include "common/settings.h"

namespace campus {

std::optional<OidcSettings> parse_oidc_settings(ProbeSetup& setup) {
  OidcSettings s;
  s.issuer = setup.target;
  if (!check_url_scheme(setup.target_value, s.issuer, {"http", "https"},
                        "expected the issuer URL, e.g. https://auth.example.edu.cn")) {
    return std::nullopt;
  }
  while (!s.issuer.empty() && s.issuer.back() == '/')
    s.issuer.pop_back();
  std::optional<YamlValue> grant_value;
  bool have_client = false;
  bool have_user = false;
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    s.web.read(r);
    if (auto v = r.get("grant")) {
      grant_value = v;
      using Grant = OidcSettings::Grant;
      read_enum(*v, s.grant,
                {{"client_credentials", Grant::client_credentials},
                 {"password", Grant::password},
                 {"authorization_code", Grant::authorization_code},
                 {"none", Grant::none}});
    }
    if (auto v = r.get("client")) {
      if (const SecretSet* set = setup.secret_set(*v)) {
        const auto& secret = set->secret ? set->secret : set->password;
        if (!set->username || !secret) {
          v->error("the client secret needs username (the client id) and secret or password");
        } else {
          s.client_id = *set->username;
          s.client_secret = *secret;
          have_client = true;
        }
      }
    }
    if (auto v = r.get("client_auth")) {
      read_enum(*v, s.client_auth_basic,
                {{"client_secret_basic", true},
                 {"client_secret_post", false},
                 {"basic", true, false},
                 {"post", false, false}});
    }
    if (auto v = r.get("credentials")) {
      if (auto account = setup.account(*v, "the test account")) {
        s.username = account->username;
        s.password = account->password;
        have_user = true;
      }
    }
    if (auto v = r.get("redirect_uri")) s.redirect_uri = v->text().value_or("");
    if (auto v = r.get("scope")) s.scope = v->text().value_or(s.scope);
    if (auto v = r.get("algorithms")) {
      s.algorithms = v->string_list().value_or(s.algorithms);
      for (const auto& a : s.algorithms) {
        if (a == "none" || a.rfind("HS", 0) == 0) {
          v->error("algorithm " + a + " is not accepted for id_tokens (asymmetric ones only)");
        }
      }
    }
    if (auto v = r.get("userinfo")) s.userinfo = v->boolean().value_or(true);
    if (auto v = r.get("expect_claims")) {
      auto cr = v->map();
      for (auto& [name, value] : cr.entries()) {
        if (auto text = value.string()) s.expect_claims[name] = *text;
      }
    }
    if (auto v = r.get("login_form")) {
      auto fr = v->map();
      if (auto f = fr.get("id")) s.form.id = f->text();
      if (auto f = fr.get("action")) s.form.action = f->text();
      if (auto f = fr.get("username_field")) s.fields.username = f->text();
      if (auto f = fr.get("password_field")) s.fields.password = f->text();
      fr.finish();
    }
  });
  if (!ok) return std::nullopt;
  const YamlValue& at = grant_value ? *grant_value : setup.target_value;
  using Grant = OidcSettings::Grant;
  if (s.grant != Grant::none && !have_client) {
    at.error("this grant needs params.client (a secret with the client id and secret)");
    return std::nullopt;
  }
  if ((s.grant == Grant::password || s.grant == Grant::authorization_code) && !have_user) {
    at.error("this grant needs params.credentials (the test account)");
    return std::nullopt;
  }
  if (s.grant == Grant::authorization_code && s.redirect_uri.empty()) {
    at.error("authorization_code needs params.redirect_uri (registered for the client)");
    return std::nullopt;
  }
  return s;
}

}  // namespace campus
