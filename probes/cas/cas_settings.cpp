#include "cas_settings.h"

namespace campus {

std::optional<CasSettings> parse_cas_settings(ProbeSetup& setup) {
  CasSettings s;
  s.base = setup.target;
  if (s.base.rfind("http://", 0) != 0 && s.base.rfind("https://", 0) != 0) {
    setup.target_value.error(
        "expected the CAS server's http:// or https:// base URL, e.g. "
        "https://auth.example.edu.cn/cas");
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
      const auto mode = v->string().value_or("");
      if (mode == "form") {
        s.mode = CasSettings::Mode::form;
      } else if (mode == "rest") {
        s.mode = CasSettings::Mode::rest;
      } else {
        v->error("expected form or rest");
      }
    }
    if (auto v = r.get("protocol")) {
      const auto n = v->integer(2, 3);
      if (n) s.protocol = int(*n);
    }
    if (auto v = r.get("format")) {
      const auto format = v->string().value_or("");
      if (format == "json" || format == "JSON") {
        s.json = true;
      } else if (format != "xml" && format != "XML") {
        v->error("expected xml or json");
      }
    }
    if (auto v = r.get("expect_user")) s.expect_user = v->text().value_or("");
    if (auto v = r.get("require_attributes")) {
      s.require_attributes = v->string_list().value_or(std::vector<std::string>{});
    }
    if (auto v = r.get("logout")) s.logout = v->boolean().value_or(true);
    if (auto v = r.get("form")) {
      auto fr = v->map();
      if (auto f = fr.get("id")) s.form.id = f->text();
      if (auto f = fr.get("name")) s.form.name = f->text();
      if (auto f = fr.get("action")) s.form.action = f->text();
      if (auto f = fr.get("index")) {
        if (auto n = f->integer(0, 1000)) s.form.index = std::size_t(*n);
      }
      fr.finish();
    }
    if (auto v = r.get("username_field")) s.username_field = v->text();
    if (auto v = r.get("password_field")) s.password_field = v->text();
    if (auto v = r.get("password_encryption")) {
      const auto e = v->string().value_or("");
      if (e == "auto") {
        s.encryption = CasSettings::Encryption::automatic;
      } else if (e == "none") {
        s.encryption = CasSettings::Encryption::none;
      } else if (e == "aes") {
        s.encryption = CasSettings::Encryption::aes;
      } else {
        v->error("expected auto, none or aes");
      }
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
