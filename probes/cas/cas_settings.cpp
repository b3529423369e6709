#include "cas_settings.h"

#include "common/settings.h"

namespace campus {

std::optional<CasSettings> parse_cas_settings(ProbeSetup& setup) {
  CasSettings s;
  s.base = setup.target;
  if (!check_url_scheme(setup.target_value, s.base, {"http", "https"},
                        "expected the CAS server's http:// or https:// base URL, e.g. "
                        "https://auth.example.edu.cn/cas")) {
    return std::nullopt;
  }
  while (!s.base.empty() && s.base.back() == '/')
    s.base.pop_back();
  if (!setup.params) {
    setup.target_value.error("a cas check needs params.service and params.credentials");
    return std::nullopt;
  }
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    s.web.read(r);
    if (auto v = r.required("service")) s.service = v->text().value_or("");
    if (auto v = r.required("credentials")) {
      if (auto account = setup.account(*v, "the cas probe")) {
        s.username = account->username;
        s.password = account->password;
      }
    }
    if (auto v = r.get("mode")) {
      read_enum(*v, s.mode, {{"form", CasSettings::Mode::form}, {"rest", CasSettings::Mode::rest}});
    }
    if (auto v = r.get("protocol")) {
      const auto n = v->integer(2, 3);
      if (n) s.protocol = int(*n);
    }
    if (auto v = r.get("format")) {
      read_enum(*v, s.json,
                {{"xml", false}, {"json", true}, {"XML", false, false}, {"JSON", true, false}});
    }
    if (auto v = r.get("expect_user")) s.expect_user = v->text().value_or("");
    if (auto v = r.get("require_attributes")) {
      s.require_attributes = v->string_list().value_or(std::vector<std::string>{});
    }
    if (auto v = r.get("logout")) s.logout = v->boolean().value_or(true);
    if (auto v = r.get("form")) s.form = read_form_selector(*v);
    if (auto v = r.get("username_field")) s.username_field = v->text();
    if (auto v = r.get("password_field")) s.password_field = v->text();
    if (auto v = r.get("password_encryption")) {
      read_enum(*v, s.encryption,
                {{"auto", CasSettings::Encryption::automatic},
                 {"none", CasSettings::Encryption::none},
                 {"aes", CasSettings::Encryption::aes}});
    }
  });
  if (!ok) return std::nullopt;
  if (s.expect_user.empty()) s.expect_user = s.username;
  if (s.protocol == 2 && !s.require_attributes.empty()) {
    setup.params->error("require_attributes needs protocol 3: CAS 2 releases no attributes");
    return std::nullopt;
  }
  return s;
}

}  // namespace campus
