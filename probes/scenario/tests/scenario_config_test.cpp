// Config errors of the identity probes name the key and say what was expected, when the config
// loads, not at the first run.

#include <map>
#include <string>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"

using namespace campus;

namespace {

struct ScenarioFixture {
  Catalog catalog = Catalog::builtin();
  ProbeRegistry probes = ProbeRegistry::builtin();

  std::string errors(const std::string& check) {
    const std::string text =
        "secrets:\n"
        "  sso: {username_env: U, password_env: P}\n"
        "  client: {username_env: U, secret_env: P}\n"
        "checks:\n" +
        check;
    ConfigLoadOptions options{
        catalog, [](const std::string&) { return std::optional<std::string>("value"); }};
    Diagnostics d;
    auto config = load_plan_text("campus.yaml", text, options, probes, d);
    return config ? std::string() : d.str();
  }
};

}  // namespace

TEST_CASE_FIXTURE(ScenarioFixture, "a valid scenario loads") {
  CHECK(errors(R"(  - id: s
    probe: scenario
    target: https://auth.example.edu.cn/
    params:
      variables: {service: "https://portal.example.edu.cn/"}
      steps:
        - name: login page
          url: /cas/login?service=${urlencode(service)}
          extract: [{var: login, form: {id: fm1}}]
        - url: ${login.action}
          form_from: login
          form: {username: "${secret.sso.username}", password: "${secret.sso.password}"}
          follow_redirects: false
          expect: {status: ["300-399"], header_match: {Location: "ticket=ST-"}}
          extract: [{var: ticket, query: ticket}]
        - url: /cas/p3/serviceValidate?service=${urlencode(service)}&ticket=${ticket}
          cookies: false
          expect: {body_match: "authenticationSuccess"}
)") == "");
}

TEST_CASE_FIXTURE(ScenarioFixture, "scenario mistakes are reported with their place") {
  const std::string e = errors(R"(  - id: s
    probe: scenario
    target: https://auth.example.edu.cn/
    params:
      steps:
        - url: /x?t=${ticket}
          extract: [{var: a, regex: "(x", json: /a}]
        - url: ${md5(secret.nobody.password)}
          expect: {status: ["200-2x"]}
        - url: ${nope(1)}
          form: {p: "${secret.sso.token}"}
)");
  INFO(e);
  CHECK(e.find("campus.yaml:10:16: checks[0].params.steps[0].url: ${ticket} is not set by "
               "params.variables or an earlier step's extract") != std::string::npos);
  CHECK(e.find("expected exactly one of regex, json, header, cookie, query or form") !=
        std::string::npos);
  CHECK(e.find("bad regular expression /(x/") != std::string::npos);
  CHECK(e.find("steps[1].url: secret 'nobody' is not defined under secrets") != std::string::npos);
  CHECK(e.find("expected a status code like 200 or a range like \"300-399\"") != std::string::npos);
  CHECK(e.find("steps[2].url: unknown function nope()") != std::string::npos);
  CHECK(e.find("steps[2].form.p: ${secret.sso.token}: secret 'sso' has no token") !=
        std::string::npos);
}

TEST_CASE_FIXTURE(ScenarioFixture, "cas, oidc and ldap checks say what they need") {
  CHECK(errors("  - {id: c, probe: cas, target: https://auth.example.edu.cn/cas, params: "
               "{service: x}}\n")
            .find("checks[0].params.credentials: missing required key") != std::string::npos);
  CHECK(errors("  - {id: c, probe: cas, target: https://auth.example.edu.cn/cas, params: "
               "{service: x, credentials: sso, mode: soap}}\n")
            .find("checks[0].params.mode: expected form or rest") != std::string::npos);
  CHECK(errors("  - {id: o, probe: oidc, target: https://auth.example.edu.cn, params: "
               "{grant: authorization_code, client: client, credentials: sso}}\n")
            .find("checks[0].params.grant: authorization_code needs params.redirect_uri") !=
        std::string::npos);
  CHECK(errors("  - {id: o, probe: oidc, target: https://auth.example.edu.cn, params: "
               "{grant: password, client: client, credentials: sso, algorithms: [HS256]}}\n")
            .find("algorithm HS256 is not accepted") != std::string::npos);
  CHECK(errors("  - {id: l, probe: ldap, target: ldap.example.edu.cn}\n")
            .find("checks[0].target: expected an ldap:// or ldaps:// URI") != std::string::npos);
  CHECK(errors("  - {id: l, probe: ldap, target: ldaps://ldap.example.edu.cn, params: "
               "{login: {credentials: sso}}}\n")
            .find("checks[0].params.login: give dn") != std::string::npos);
  CHECK(errors("  - {id: l, probe: ldap, target: ldaps://ldap.example.edu.cn, params: "
               "{login: {credentials: sso, base: \"dc=example\"}, search: {base: \"dc=example\", "
               "scope: tree}}}\n")
            .find("checks[0].params.search.scope: expected base, one or sub") != std::string::npos);
}
