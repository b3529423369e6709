// The identity probes (scenario, cas, oidc, ldap) against a real LemonLDAP::NG, a real OpenLDAP
// slapd and the CAS simulator, all on 127.0.0.1.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/stat.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support.h"

using namespace campus;
using namespace campus::test;
using namespace std::chrono_literals;

namespace {

// LemonLDAP::NG knows itself as auth.campus.test:PORT; the probes reach it through `resolve`.
std::string llng_url(const std::string& port = server("LLNG_PORT")) {
  return "http://auth.campus.test:" + port;
}
std::string llng_resolve(const std::string& port = server("LLNG_PORT")) {
  return "[\"auth.campus.test:" + port + ":127.0.0.1\"]";
}
std::string sim_url() {
  return "http://127.0.0.1:" + server("CAS_SIM_PORT");
}
std::string ldap_url() {
  return "ldap://127.0.0.1:" + server("SLAPD_PORT");
}

// Secret files for the test accounts, and the secrets section naming them.
struct Accounts {
  TempDir dir;
  std::string secrets;

  Accounts() {
    // Demo users of LemonLDAP::NG have their login as password.
    add("dwho", "dwho", "dwho");
    add("dwho_wrong", "dwho", "not-dwhos-password");
    add("student", "student1", "student1pw");
    add("student_wrong", "student1", "wrong-student1pw");
    add("client", "campus-client", "campus-secret", "secret");
    add("client_wrong", "campus-client", "not-the-client-secret", "secret");
    add("nobody", "nobody.here", "nobody-pw");
  }
  void add(const std::string& name, const std::string& user, const std::string& secret,
           const std::string& kind = "password") {
    const std::string file = dir.file(name + ".secret", secret);
    const std::string env = "CAMPUS_TEST_USER_" + name;
    setenv(env.c_str(), user.c_str(), 1);
    secrets += "  " + name + ": {username_env: " + env + ", " + kind + "_file: " + file + "}\n";
  }
  std::string config(const std::string& probe, const std::string& target,
                     const std::string& params) const {
    return "secrets:\n" + secrets + "checks:\n  - id: t\n    probe: " + probe + "\n    target: \"" +
           target + "\"\n    timeout: 20s\n    interval: 60s\n    params: " + params + "\n";
  }
  RunRecord run(const std::string& probe, const std::string& target,
                const std::string& params) const {
    return run_check(config(probe, target, params), "t");
  }
};

bool has_phase(const ProbeResult& r, const std::string& name) {
  return std::any_of(r.phases.begin(), r.phases.end(),
                     [&](const Phase& p) { return p.name == name; });
}

const char* const kLlngCasScenario = R"({resolve: RESOLVE,
      variables: {service: "http://app.campus.test/"},
      steps: [
        {name: login page, url: "/cas/login?service=${urlencode(service)}",
         expect: {status: 200}, extract: [{var: login, form: {id: lform}}]},
        {name: submit credentials, url: "${login.action}", form_from: login,
         form: {user: "${secret.dwho.username}", password: "${secret.dwho.password}"},
         follow_redirects: false,
         expect: {status: 302, header_match: {Location: "ticket=ST-"}},
         extract: [{var: ticket, query: ticket}]},
        {name: validate ticket, cookies: false,
         url: "/cas/p3/serviceValidate?service=${urlencode(service)}&ticket=${ticket}",
         expect: {body_match: "<cas:user>USER</cas:user>"}}]})";

std::string scenario_params(const std::string& user) {
  std::string p = kLlngCasScenario;
  p.replace(p.find("RESOLVE"), 7, llng_resolve());
  p.replace(p.find("USER"), 4, user);
  return p;
}

}  // namespace

TEST_CASE("scenario: a CAS login in three steps passes against LemonLDAP::NG") {
  Accounts a;
  auto r = a.run("scenario", llng_url(), scenario_params("dwho"));
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.reason == "3 steps passed");
  CHECK(r.result.measurement("scenario_steps_passed") == 3);
  CHECK(has_phase(r.result, "validate ticket"));
  const auto& steps = r.result.evidence["steps"];
  REQUIRE(steps.size() == 3);
  CHECK(steps[1]["status"] == 302);
  CHECK(steps[1]["extracted"] == nlohmann::json::array({"ticket"}));
}

TEST_CASE("scenario: the failing step is named with what it expected") {
  Accounts a;
  auto r = a.run("scenario", llng_url(), scenario_params("rtyler"));
  CHECK(r.result.verdict == Verdict::fail);
  CHECK(r.result.kind == FailureKind::bad_content);
  CHECK(r.result.reason ==
        "step 3 \"validate ticket\": body does not match /<cas:user>rtyler</cas:user>/");
  CHECK(r.result.measurement("scenario_steps_passed") == 2);
}

TEST_CASE("cas: form login, CAS 3 validation with attributes, and logout against LemonLDAP::NG") {
  Accounts a;
  auto r = a.run("cas", llng_url() + "/cas",
                 "{resolve: " + llng_resolve() +
                     ", service: \"http://app.campus.test/\", credentials: dwho, "
                     "require_attributes: [mail, cn]}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  const auto& e = r.result.evidence;
  CHECK(e["validation"]["outcome"] == "success");
  CHECK(e["validation"]["endpoint"] == "/p3/serviceValidate");
  CHECK(e["validation"]["attributes"] == nlohmann::json::array({"cn", "mail", "uid"}));
  CHECK(e["login"]["hidden_fields"].dump().find("token") != std::string::npos);
  CHECK(e["logout"]["status"] == 302);
  CHECK(r.result.measurement("cas_login_duration_seconds") > 0);
  CHECK(r.result.measurement("cas_validate_duration_seconds") > 0);

  auto v2 = a.run("cas", llng_url() + "/cas",
                  "{resolve: " + llng_resolve() +
                      ", service: \"http://app.campus.test/\", credentials: dwho, protocol: 2}");
  CHECK(v2.result.verdict == Verdict::pass);
  CHECK(v2.result.evidence["validation"]["endpoint"] == "/serviceValidate");
}

TEST_CASE("cas: a wrong password, a wrong service and a missing attribute fail precisely") {
  Accounts a;
  const std::string base = "{resolve: " + llng_resolve() + ", ";
  auto wrong = a.run("cas", llng_url() + "/cas",
                     base + "service: \"http://app.campus.test/\", credentials: dwho_wrong}");
  CHECK(wrong.result.kind == FailureKind::auth_rejected);
  // LemonLDAP::NG message 5 is PE_BADCREDENTIALS.
  CHECK(wrong.result.reason == "login refused: the login form came back: message 5");

  auto service = a.run("cas", llng_url() + "/cas",
                       base + "service: \"http://intruder.campus.test/\", credentials: dwho}");
  CHECK(service.result.verdict == Verdict::fail);
  CHECK(service.result.reason.find("login: expected a redirect to the service with a ticket") == 0);

  auto attribute = a.run("cas", llng_url() + "/cas",
                         base +
                             "service: \"http://app.campus.test/\", credentials: dwho, "
                             "require_attributes: [eduPersonAffiliation]}");
  CHECK(attribute.result.kind == FailureKind::bad_content);
  CHECK(attribute.result.reason == "validate: attribute eduPersonAffiliation was not released");
}

TEST_CASE("cas: the REST API gives a TGT, a service ticket, validation in XML and JSON") {
  Accounts a;
  for (const std::string format : {"xml", "json"}) {
    CAPTURE(format);
    auto r = a.run("cas", sim_url() + "/cas",
                   "{service: \"https://portal.campus.test/\", credentials: student, mode: rest, "
                   "format: " +
                       format + ", require_attributes: [eduPersonAffiliation]}");
    INFO(r.result.reason);
    CHECK(r.result.verdict == Verdict::pass);
    CHECK(r.result.reason == "logged in as student1, ticket validated, logged out");
    CHECK(r.result.evidence["validation"]["user"] == "student1");
    CHECK(r.result.evidence["logout"]["status"] == 200);
    CHECK(r.result.measurement("cas_ticket_duration_seconds") > 0);
  }
  auto wrong = a.run("cas", sim_url() + "/cas",
                     "{service: \"https://portal.campus.test/\", credentials: student_wrong, "
                     "mode: rest}");
  CHECK(wrong.result.kind == FailureKind::auth_rejected);
  CHECK(wrong.result.reason == "POST /v1/tickets: credentials refused (status 401)");
}

TEST_CASE("cas: a Wisedu-style form with an AES-encrypted password, and its captcha switch") {
  Accounts a;
  const std::string params = "{service: \"https://portal.campus.test/\", credentials: student}";
  auto r = a.run("cas", sim_url() + "/authserver", params);
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.evidence["login_encryption"] == "aes");

  auto wrong = a.run("cas", sim_url() + "/authserver",
                     "{service: \"https://portal.campus.test/\", credentials: student_wrong}");
  CHECK(wrong.result.kind == FailureKind::auth_rejected);
  CHECK(wrong.result.reason ==
        "login refused: the login form came back: 您提供的用户名或者密码有误");

  REQUIRE(http_request(sim_url() + "/control/captcha?on=1", "POST").status == 200);
  auto captcha = a.run("cas", sim_url() + "/authserver", params);
  REQUIRE(http_request(sim_url() + "/control/captcha?on=0", "POST").status == 200);
  CHECK(captcha.result.kind == FailureKind::captcha_required);
  CHECK(captcha.result.reason.find("the server asks for a captcha (field captcha)") !=
        std::string::npos);
}

TEST_CASE("oidc: discovery and JWKS, then each grant against LemonLDAP::NG") {
  Accounts a;
  const std::string base = "{resolve: " + llng_resolve() + ", ";
  auto discovery = a.run("oidc", llng_url(), base + "grant: none}");
  INFO(discovery.result.reason);
  CHECK(discovery.result.verdict == Verdict::pass);
  CHECK(discovery.result.evidence["jwks"]["kids"] == nlohmann::json::array({"campus-test-key"}));

  auto cc = a.run("oidc", llng_url(), base + "grant: client_credentials, client: client}");
  INFO(cc.result.reason);
  CHECK(cc.result.verdict == Verdict::pass);

  auto password = a.run("oidc", llng_url(),
                        base +
                            "grant: password, client: client, credentials: dwho, "
                            "expect_claims: {email: dwho@badwolf.org, name: Doctor Who}}");
  INFO(password.result.reason);
  CHECK(password.result.verdict == Verdict::pass);
  CHECK(password.result.evidence["identity"]["alg"] == "RS256");
  CHECK(password.result.evidence["userinfo"]["claims"] ==
        nlohmann::json::array({"email", "name", "preferred_username", "sub"}));
  CHECK(password.result.measurement("oidc_id_token_lifetime_seconds") > 3000);

  auto code = a.run("oidc", llng_url(),
                    base +
                        "grant: authorization_code, client: client, credentials: dwho, "
                        "redirect_uri: \"http://app.campus.test/callback\"}");
  INFO(code.result.reason);
  CHECK(code.result.verdict == Verdict::pass);
  CHECK(code.result.evidence["identity"]["claims"].dump().find("nonce") != std::string::npos);
  CHECK(has_phase(code.result, "authorize"));
}

TEST_CASE("oidc: a wrong client secret, a wrong password, a wrong claim and a wrong issuer") {
  Accounts a;
  const std::string base = "{resolve: " + llng_resolve() + ", ";
  auto client =
      a.run("oidc", llng_url(), base + "grant: password, client: client_wrong, credentials: dwho}");
  CHECK(client.result.kind == FailureKind::auth_rejected);
  CHECK(client.result.reason == "token: status 401 invalid_client (client id or secret refused)");

  auto user =
      a.run("oidc", llng_url(), base + "grant: password, client: client, credentials: dwho_wrong}");
  CHECK(user.result.kind == FailureKind::auth_rejected);
  CHECK(user.result.reason ==
        "token: status 400 invalid_grant (the user's credentials or the code were refused)");

  auto code = a.run("oidc", llng_url(),
                    base +
                        "grant: authorization_code, client: client, credentials: dwho_wrong, "
                        "redirect_uri: \"http://app.campus.test/callback\"}");
  CHECK(code.result.kind == FailureKind::auth_rejected);
  CHECK(code.result.reason == "login refused: the provider's login form came back");

  auto claim = a.run("oidc", llng_url(),
                     base +
                         "grant: password, client: client, credentials: dwho, "
                         "expect_claims: {email: someone@else.test}}");
  CHECK(claim.result.kind == FailureKind::bad_content);
  CHECK(claim.result.reason.find("userinfo: claim email is \"") == 0);

  // Reached under another name, the provider still calls itself auth.campus.test: discovery
  // must not be trusted.
  auto issuer = a.run("oidc", "http://127.0.0.1:" + server("LLNG_PORT"), "{grant: none}");
  CHECK(issuer.result.kind == FailureKind::bad_content);
  CHECK(issuer.result.reason == "discovery: issuer is \"" + llng_url() +
                                    "\", expected \"http://127.0.0.1:" + server("LLNG_PORT") +
                                    "\"");
}

TEST_CASE("cas and oidc against a LemonLDAP::NG that goes down") {
  TempDir dir;
  chmod(dir.path().c_str(), 0755);  // the portal runs as www-data
  Process start({CAMPUS_SERVERS_DIR "/start-llng.sh", dir.path() + "/llng"},
                dir.path() + "/start.out");
  REQUIRE(start.wait(60s) == 0);
  std::map<std::string, std::string> env;
  std::istringstream lines(start.output());
  for (std::string line; std::getline(lines, line);) {
    if (const auto eq = line.find('='); eq != std::string::npos)
      env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  REQUIRE(env.count("LLNG_FCGI_PID"));
  const std::string port = env["LLNG_PORT"];
  struct Stopper {
    std::vector<pid_t> pids;
    ~Stopper() {
      for (pid_t p : pids)
        kill(p, SIGTERM);
    }
  } stopper{{pid_t(std::stoi(env["LLNG_FCGI_PID"])), pid_t(std::stoi(env["LLNG_NGINX_PID"]))}};
  Accounts a;
  const std::string params = "{resolve: " + llng_resolve(port) +
                             ", service: \"http://app.campus.test/\", credentials: dwho}";
  CHECK(a.run("cas", llng_url(port) + "/cas", params).result.verdict == Verdict::pass);

  // The portal's FastCGI server dies; nginx answers 502.
  kill(stopper.pids[0], SIGTERM);
  REQUIRE(wait_until([&] {
    return a.run("cas", llng_url(port) + "/cas", params).result.kind == FailureKind::bad_status;
  }));
  auto portal_down = a.run("cas", llng_url(port) + "/cas", params);
  CHECK(portal_down.result.reason == "login page: expected status 200, got 502");

  // Then nginx too: nothing listens.
  kill(stopper.pids[1], SIGTERM);
  REQUIRE(wait_until([&] {
    return a.run("oidc", llng_url(port), "{resolve: " + llng_resolve(port) + "}").result.kind ==
           FailureKind::connect;
  }));
}

TEST_CASE("ldap: RootDSE, search-then-bind with expected values, a direct bind") {
  Accounts a;
  auto root = a.run("ldap", ldap_url(), "{}");
  INFO(root.result.reason);
  CHECK(root.result.verdict == Verdict::pass);
  CHECK(root.result.evidence["root_dse"]["naming_contexts"] ==
        nlohmann::json::array({"dc=campus,dc=test"}));

  auto login = a.run("ldap", ldap_url(),
                     "{login: {credentials: student, base: \"ou=people,dc=campus,dc=test\"}, "
                     "search: {base: \"dc=campus,dc=test\", filter: \"(uid=teacher.wang)\", "
                     "expect: {cn: 王老师}, attributes: [mail]}}");
  INFO(login.result.reason);
  CHECK(login.result.verdict == Verdict::pass);
  CHECK(login.result.reason == "test user bound, search found 1 entries");
  CHECK(login.result.measurement("ldap_search_entries") == 1);
  CHECK(login.result.evidence["binds"][0]["dn"] == "uid=student1,ou=people,dc=campus,dc=test");
  CHECK(login.result.evidence["search"]["attributes"] == nlohmann::json::array({"cn", "mail"}));

  auto direct =
      a.run("ldap", ldap_url(),
            "{login: {credentials: student, dn: \"uid=${username},ou=people,dc=campus,dc=test\"}}");
  CHECK(direct.result.verdict == Verdict::pass);
}

TEST_CASE("ldap: a wrong password, an unknown user, a wrong value and a server that is down") {
  Accounts a;
  auto wrong =
      a.run("ldap", ldap_url(),
            "{login: {credentials: student_wrong, base: \"ou=people,dc=campus,dc=test\"}}");
  CHECK(wrong.result.kind == FailureKind::auth_rejected);
  CHECK(wrong.result.reason ==
        "user bind as uid=student1,ou=people,dc=campus,dc=test: Invalid credentials (49)");
  auto unknown = a.run("ldap", ldap_url(),
                       "{login: {credentials: nobody, base: \"ou=people,dc=campus,dc=test\"}}");
  CHECK(unknown.result.kind == FailureKind::auth_rejected);
  CHECK(unknown.result.reason.find("0 entries match (uid=nobody.here)") != std::string::npos);
  auto value = a.run("ldap", ldap_url(),
                     "{search: {base: \"dc=campus,dc=test\", filter: \"(uid=student1)\", expect: "
                     "{cn: Someone Else}}}");
  CHECK(value.result.kind == FailureKind::bad_content);
  CHECK(value.result.reason == "search (uid=student1): no entry has cn=Someone Else");
  auto down = a.run("ldap", "ldap://127.0.0.1:" + std::to_string(free_port()), "{}");
  CHECK(down.result.kind == FailureKind::connect);
}

TEST_CASE("ldap: StartTLS and ldaps verify the server against the CA, and fail as tls without it") {
  Accounts a;
  const std::string ca = server("SLAPD_CA");
  const std::string login = "login: {credentials: student, base: \"ou=people,dc=campus,dc=test\"}";
  auto starttls =
      a.run("ldap", ldap_url(), "{start_tls: true, tls: {ca_file: " + ca + "}, " + login + "}");
  INFO(starttls.result.reason);
  CHECK(starttls.result.verdict == Verdict::pass);
  CHECK(starttls.result.evidence["start_tls"] == true);
  auto untrusted = a.run("ldap", ldap_url(), "{start_tls: true, " + login + "}");
  CHECK(untrusted.result.kind == FailureKind::tls);
  const std::string ldaps = "ldaps://127.0.0.1:" + server("SLAPD_LDAPS_PORT");
  CHECK(a.run("ldap", ldaps, "{tls: {ca_file: " + ca + "}, " + login + "}").result.verdict ==
        Verdict::pass);
  auto ldaps_untrusted = a.run("ldap", ldaps, "{}");
  CHECK(ldaps_untrusted.result.kind == FailureKind::tls);
}

TEST_CASE("no password, ticket, token or cookie of an identity check reaches any output") {
  Accounts a;
  TempDir dir;
  const int port = free_port();
  const std::string key = dir.file("evidence.key", std::string(48, 'k'));
  chmod(key.c_str(), 0600);
  const std::string resolve = llng_resolve();
  std::string config = "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                       ", default_interval: 2s, default_timeout: 2s}\n"
                       "editions: [higher]\nevidence: {dir: " +
                       dir.path() + "/evidence, key_file: " + key + "}\nsecrets:\n" + a.secrets +
                       "checks:\n";
  auto check = [&](const std::string& id, const std::string& probe, const std::string& target,
                   const std::string& params) {
    config += "  - id: " + id + "\n    probe: " + probe + "\n    target: \"" + target +
              "\"\n    indicators: [H-3.3.1.1]\n    params: " + params + "\n";
  };
  check("cas-form", "cas", llng_url() + "/cas",
        "{resolve: " + resolve + ", service: \"http://app.campus.test/\", credentials: dwho}");
  check("cas-rest", "cas", sim_url() + "/cas",
        "{service: \"https://portal.campus.test/\", credentials: student, mode: rest}");
  check("cas-wisedu", "cas", sim_url() + "/authserver",
        "{service: \"https://portal.campus.test/\", credentials: student}");
  check("oidc-code", "oidc", llng_url(),
        "{resolve: " + resolve +
            ", grant: authorization_code, client: client, credentials: dwho, redirect_uri: "
            "\"http://app.campus.test/callback\"}");
  check("oidc-password", "oidc", llng_url(),
        "{resolve: " + resolve + ", grant: password, client: client, credentials: dwho}");
  check("ldap-login", "ldap", ldap_url(),
        "{login: {credentials: student, base: \"ou=people,dc=campus,dc=test\"}}");
  check("sso-scenario", "scenario", llng_url(), scenario_params("dwho"));
  const std::string config_file = dir.file("campus.yaml", config);
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", config_file, "--log-format", "json",
                 "--log-level", "debug"},
                dir.path() + "/agent.log");
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        const auto metrics = http_request(base + "/metrics").body;
                        return metric_value(metrics, "campus_evidence_records_total").value_or(0) >=
                               16;
                      },
                      30s),
                  agent.output());
  std::string seen = http_request(base + "/metrics").body;
  for (const char* id : {"cas-form", "cas-rest", "cas-wisedu", "oidc-code", "oidc-password",
                         "ldap-login", "sso-scenario"}) {
    const auto probe = http_request(base + "/probe?check=" + id + "&debug=true");
    CHECK_MESSAGE(probe.body.find("probe_success 1") != std::string::npos, id, probe.body);
    seen += probe.body;
  }
  seen += http_request(base + "/api/checks").body;
  seen += http_request(base + "/").body;
  agent.signal(SIGTERM);
  REQUIRE(agent.wait(10s) == 0);
  seen += agent.output();
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() + "/evidence")) {
    std::ifstream in(entry.path());
    std::stringstream s;
    s << in.rdbuf();
    // The records' own hashes and MACs are hex; only what the probes wrote is searched for
    // session ids.
    std::istringstream records(s.str());
    for (std::string line; std::getline(records, line);) {
      const auto record = nlohmann::json::parse(line, nullptr, false);
      if (record.is_object())
        seen += record.value("reason", "") + record.value("details", nlohmann::json()).dump();
    }
  }
  for (const std::string secret : {"student1pw", "campus-secret", "dwho"}) {
    CHECK_MESSAGE(seen.find(secret) == std::string::npos, secret);
  }
  // Tickets, JWTs (id and access tokens) and LemonLDAP::NG session ids (64 hex digits).
  const std::regex leaked(R"((ST|TGT)-[0-9A-Za-z]|eyJ[0-9A-Za-z_-]{10}|[0-9a-f]{64})");
  std::smatch match;
  CHECK_MESSAGE(!std::regex_search(seen, match, leaked), match.str());
  CHECK(seen.find("[redacted]") != std::string::npos);
}
