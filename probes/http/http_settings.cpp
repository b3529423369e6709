#include "http_settings.h"

#include <algorithm>
#include <utility>

#include "core/yaml_scalar.h"

namespace campus {
std::optional<HttpSettings> parse_http_settings(ProbeSetup& setup) {
  HttpSettings s;
  s.url = setup.target;
  if (!check_url_scheme(setup.target_value, s.url, {"http", "https"})) return std::nullopt;
  if (!setup.params) return s;
  const auto errors_before = setup.params->source().diagnostics->size();
  auto r = setup.params->map();
  if (auto v = r.get("method")) {
    if (auto m = v->text()) {
      s.method = *m;
      std::transform(s.method.begin(), s.method.end(), s.method.begin(), ::toupper);
    }
  }
  if (auto v = r.get("headers")) {
    auto hr = v->map();
    for (auto& [name, value] : hr.entries()) {
      if (auto text = value.string()) s.headers.emplace_back(name, *text);
    }
  }
  if (auto v = r.get("body")) s.body = v->string();
  if (auto v = r.get("valid_status")) {
    bool ok = v->is_list();
    if (ok) {
      for (const auto& item : v->items()) {
        const auto code = item.is_scalar() ? yaml_scalar_int(item.scalar()) : std::nullopt;
        if (!code || *code < 100 || *code > 599) {
          ok = false;
          break;
        }
        s.valid_status.push_back(*code);
      }
    }
    if (!ok) v->error("expected a list of integers");
  }
  if (auto v = r.get("follow_redirects")) s.follow_redirects = v->boolean().value_or(true);
  if (auto v = r.get("max_redirects")) s.max_redirects = int(v->integer(0, 50).value_or(10));
  if (auto v = r.get("body_must_match")) s.body_must_match = read_regex_list(*v);
  if (auto v = r.get("body_must_not_match")) s.body_must_not_match = read_regex_list(*v);
  if (auto v = r.get("json_assert")) s.json_assert = read_json_assertions(*v);
  if (auto v = r.get("max_duration")) s.max_duration = read_duration(*v);
  if (auto v = r.get("max_body_bytes")) {
    s.max_body_bytes = std::size_t(v->integer(1, std::int64_t(1) << 30).value_or(1 << 20));
  }
  if (auto v = r.get("tls")) {
    read_tls_block(*v, s.tls,
                   {TlsKey::verify, TlsKey::ca_file, TlsKey::cert_file, TlsKey::key_file,
                    TlsKey::server_name, TlsKey::min_version});
  }
  if (auto v = r.get("auth")) {
    auto ar = v->map();
    auto basic = ar.get("basic");
    auto bearer = ar.get("bearer");
    auto digest = ar.get("digest");
    if (int(bool(basic)) + int(bool(bearer)) + int(bool(digest)) > 1) {
      v->error("give one of basic, bearer or digest, not several");
    } else if (basic || digest) {
      const auto& given = basic ? *basic : *digest;
      if (auto account = setup.account(given, basic ? "basic auth" : "digest auth")) {
        s.auth = basic ? HttpSettings::Auth::basic : HttpSettings::Auth::digest;
        s.auth_user = account->username;
        s.auth_secret = account->password;
      }
    } else if (bearer) {
      if (const auto* set = setup.secret_set(*bearer)) {
        if (!set->token) {
          bearer->error("bearer auth needs a secret with a token");
        } else {
          s.auth = HttpSettings::Auth::bearer;
          s.auth_secret = *set->token;
        }
      }
    } else {
      v->error("expected basic: SECRET, bearer: SECRET or digest: SECRET");
    }
    ar.finish();
  }
  if (auto v = r.get("proxy")) s.proxy = v->text();
  if (auto v = r.get("resolve")) s.resolve = read_resolve_list(*v);
  if (auto v = r.get("ip_version")) {
    const auto n = v->integer(0, 6).value_or(0);
    if (n != 0 && n != 4 && n != 6) v->error("expected 4 or 6");
    s.ip_version = int(n);
  }
  r.finish();
  if (setup.params->source().diagnostics->size() != errors_before) return std::nullopt;
  return s;
}

}  // namespace campus
