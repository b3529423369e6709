#include "config/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "indicators/indicator_state.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"

using namespace campus;

namespace {

struct Fixture {
  Catalog catalog = Catalog::builtin();
  ProbeRegistry probes = ProbeRegistry::builtin();
  std::map<std::string, std::string> env{{"SSO_USER", "student1"}, {"SSO_PASS", "s3cret-pw"}};

  std::optional<CheckPlan> plan;  // of the last successful load()

  ConfigLoadOptions options() {
    return {catalog, [this](const std::string& name) -> std::optional<std::string> {
              auto it = env.find(name);
              if (it == env.end()) return std::nullopt;
              return it->second;
            }};
  }

  // The config with its probes built, or null after recording the problems in `d`.
  std::shared_ptr<const Config> load(const std::string& text, Diagnostics& d) {
    plan = load_plan_text("campus.yaml", text, options(), probes, d);
    return plan ? plan->config : nullptr;
  }

  std::string errors(const std::string& text) {
    Diagnostics d;
    auto config = load(text, d);
    CHECK_FALSE(config);
    return d.str();
  }
};

const char* const kValid = R"(agent:
  listen: 127.0.0.1:0
  concurrency: 8
  default_interval: 30s
  default_timeout: 5s
editions: [higher, secondary]
secrets:
  sso_test: {username_env: SSO_USER, password_env: SSO_PASS}
push: {pushgateway: "http://127.0.0.1:9091", job: campus, interval: 15s}
indicators:
  H-3.3.1.1: {policy: any}
checks:
  - id: portal-http
    probe: http
    target: https://portal.example.edu.cn/
    params: {valid_status: [200, 302], auth: {basic: sso_test}}
    labels: {system: website}
    indicators: [H-3.4.3.1, S-3.4.3.1]
  - id: sso-tls
    probe: tls
    target: auth.example.edu.cn:443
    interval: 1h
    timeout: 10s
    retries: 2
    fail_after: 3
    labels: {system: sso}
    indicators: [H-3.3.1.1, S-3.3.1.1]
)";

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a valid config loads with defaults applied") {
  Diagnostics d;
  auto config = load(kValid, d);
  INFO(d.str());
  REQUIRE(config);
  CHECK(config->agent.concurrency == 8);
  CHECK(config->agent.listen_port == 0);
  CHECK(config->checks.size() == 2);
  const auto* http = config->find_check("portal-http");
  REQUIRE(http);
  CHECK(http->interval == std::chrono::seconds(30));
  CHECK(http->timeout == std::chrono::seconds(5));
  CHECK(http->system() == "website");
  REQUIRE(plan->find("portal-http"));
  CHECK((*plan->find("portal-http"))->probe != nullptr);
  const auto* tls = config->find_check("sso-tls");
  CHECK(tls->interval == std::chrono::hours(1));
  CHECK(tls->retries == 2);
  CHECK(tls->fail_after == 3);
  CHECK(config->policy_of("H-3.3.1.1") == IndicatorPolicy::any);
  CHECK(config->policy_of("H-3.4.3.1") == IndicatorPolicy::all);
  CHECK(config->push.enabled);
  CHECK(config->secrets.find("sso_test")->password->value() == "s3cret-pw");
  CHECK(config_summary(*config, catalog) ==
        "2 checks (http 1, tls 1); indicators covered: higher 2/61 secondary 2/44");
}

TEST_CASE_FIXTURE(Fixture, "JSON configs are accepted") {
  Diagnostics d;
  auto config = load(R"({"agent": {"listen": "127.0.0.1:0"}, "checks": [
      {"id": "x", "probe": "tcp", "target": "127.0.0.1:22", "indicators": ["H-4.1.1.1"]}]})",
                     d);
  INFO(d.str());
  CHECK(config);
}

TEST_CASE_FIXTURE(Fixture, "broken configs name file, line, key path and what was expected") {
  struct Case {
    const char* name;
    std::string config;
    std::string expected;
  };
  const std::string check = "checks:\n  - id: a\n    probe: http\n    target: http://127.0.0.1/\n";
  // Every registered type, so that adding a probe does not touch this test.
  std::string known;
  for (const auto& name : probes.names())
    known += (known.empty() ? "" : ", ") + name;
  const Case cases[] = {
      {"unknown top-level key", "agnet: {}\n" + check,
       "campus.yaml:1:1: agnet: unknown key 'agnet' (did you mean 'agent'?)\n"},
      {"missing checks", "agent: {}\n", "campus.yaml:1:1: checks: missing required key\n"},
      {"wrong type", check + "    params: {valid_status: [ok]}\n",
       "campus.yaml:5:28: checks[0].params.valid_status: expected a list of integers\n"},
      {"duplicate ids", check + "  - id: a\n    probe: tcp\n    target: 127.0.0.1:1\n",
       "campus.yaml:5:5: checks[1]: duplicate check id 'a' (first defined on line 2)\n"},
      {"bad id", "checks:\n  - id: Portal Web\n    probe: tcp\n    target: 127.0.0.1:1\n",
       "campus.yaml:2:9: checks[0].id: check ids may use only a-z, 0-9, _ and -, got 'Portal "
       "Web'\n"},
      {"unknown probe type", "checks:\n  - id: a\n    probe: htp\n    target: http://127.0.0.1/\n",
       "campus.yaml:3:12: checks[0].probe: unknown probe type 'htp' (known: " + known + ")\n"},
      {"unknown indicator", check + "    indicators: [H-9.9.9.9]\n",
       "campus.yaml:5:17: checks[0].indicators: unknown indicator 'H-9.9.9.9' (see campus-probe "
       "indicators)\n"},
      {"timeout longer than interval", check + "    interval: 5s\n    timeout: 10s\n",
       "campus.yaml:6:14: checks[0].timeout: timeout 10s is longer than the interval 5s\n"},
      {"bad duration", check + "    interval: 5 minutes\n",
       "campus.yaml:5:15: checks[0].interval: expected a duration like 500ms, 10s, 5m or 1h, got "
       "'5 minutes'\n"},
      {"undefined secret", check + "    params: {auth: {basic: nobody}}\n",
       "campus.yaml:5:28: checks[0].params.auth.basic: secret 'nobody' is not defined under "
       "secrets\n"},
      {"unset environment variable", "secrets:\n  t: {password_env: NOT_SET_ANYWHERE}\n" + check,
       "campus.yaml:2:21: secrets.t.password_env: environment variable NOT_SET_ANYWHERE is not "
       "set\n"},
      {"unreadable secret file", "secrets:\n  t: {password_file: /nonexistent/pw}\n" + check,
       "campus.yaml:2:22: secrets.t.password_file: cannot read file /nonexistent/pw\n"},
      {"inline password", "secrets:\n  t: {username: u, password: hunter2}\n" + check,
       "campus.yaml:2:30: secrets.t.password: secrets are never written in the config: use "
       "password_env or password_file\n"},
      {"bad target for the probe", "checks:\n  - id: a\n    probe: http\n    target: ftp://x/\n",
       "campus.yaml:4:13: checks[0].target: expected an http:// or https:// URL\n"},
      {"bad regex", check + "    params: {body_must_match: '(unclosed'}\n",
       "campus.yaml:5:31: checks[0].params.body_must_match: bad regular expression /(unclosed/: "
       "missing closing parenthesis at offset 9\n"},
      {"bad listen address", "agent: {listen: localhost}\n" + check,
       "campus.yaml:1:17: agent.listen: expected host:port, e.g. 127.0.0.1:9877\n"},
      {"unknown edition", "editions: [tertiary]\n" + check,
       "campus.yaml:1:11: editions: unknown edition 'tertiary' (expected higher or secondary)\n"},
      {"empty file", "", "campus.yaml:1:1: the config is empty\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(errors(c.config) == c.expected);
  }
}

TEST_CASE_FIXTURE(Fixture, "digest auth takes an account and is not combined with basic") {
  const std::string secrets =
      "secrets:\n  sso_test: {username_env: SSO_USER, password_env: SSO_PASS}\n"
      "  user_only: {username: camera}\n";
  const std::string http = "checks:\n  - id: a\n    probe: http\n    target: http://127.0.0.1/\n";
  const std::string feed = "checks:\n  - id: a\n    probe: feed\n    target: http://127.0.0.1/\n";
  CHECK(errors(secrets + http + "    params: {auth: {basic: sso_test, digest: sso_test}}\n") ==
        "campus.yaml:8:20: checks[0].params.auth: give one of basic, bearer or digest, not "
        "several\n");
  CHECK(errors(secrets + http + "    params: {auth: {digest: user_only}}\n") ==
        "campus.yaml:8:29: checks[0].params.auth.digest: digest auth needs a secret with username "
        "and password\n");
  CHECK(errors(secrets + feed + "    params: {auth: {basic: sso_test, digest: sso_test}}\n") ==
        "campus.yaml:8:20: checks[0].params.auth: give one of basic, bearer or digest, not "
        "several\n");
  CHECK(errors(secrets + feed + "    params: {auth: {digest: user_only}}\n") ==
        "campus.yaml:8:29: checks[0].params.auth.digest: digest auth needs a secret with username "
        "and password\n");
  Diagnostics d;
  CHECK(load(secrets + http + "    params: {auth: {digest: sso_test}}\n", d));
  INFO(d.str());
  CHECK(load(secrets + feed + "    params: {auth: {digest: sso_test}}\n", d));
}

TEST_CASE_FIXTURE(Fixture, "a feed's method, headers and body are checked when the config loads") {
  const std::string feed =
      "secrets:\n  door: {token_env: DOOR_TOKEN}\n"
      "checks:\n  - id: a\n    probe: feed\n    target: http://127.0.0.1/\n";
  env["DOOR_TOKEN"] = "door-token";
  CHECK(errors(feed + "    params: {body: '{}'}\n") ==
        "campus.yaml:7:20: checks[0].params.body: a body is sent only with method: POST\n");
  CHECK(errors(feed + "    params: {method: GET, body: '{}'}\n") ==
        "campus.yaml:7:33: checks[0].params.body: a body is sent only with method: POST\n");
  CHECK(errors(feed + "    params: {method: PUT}\n") ==
        "campus.yaml:7:22: checks[0].params.method: expected GET or POST, got 'PUT'\n");
  CHECK(errors(feed + "    params: {headers: {X-Key: '${key}'}}\n") ==
        "campus.yaml:7:31: checks[0].params.headers.X-Key: ${key} is not set: a feed's headers "
        "and body read ${target} and ${secret.NAME.FIELD}\n");
  CHECK(errors(feed + "    params: {method: POST, body: \"${now('%F', '+99:00')}\"}\n") ==
        "campus.yaml:7:34: checks[0].params.body: now(): expected a UTC offset like +08:00, +0800, "
        "Z or UTC, got '+99:00'\n");
  CHECK(errors(feed + "    params: {headers: {X-Key: '${secret.nope.token}'}}\n") ==
        "campus.yaml:7:31: checks[0].params.headers.X-Key: secret 'nope' is not defined under "
        "secrets\n");
  CHECK(errors(feed + "    params: {headers: {X-Key: '${md5(secret.door.token'}}\n") ==
        "campus.yaml:7:31: checks[0].params.headers.X-Key: unterminated ${ in "
        "\"${md5(secret.door.token\"\n");
  CHECK(errors("checks:\n  - id: a\n    probe: feed\n    target: /var/log/x.json\n"
               "    params: {method: POST}\n") ==
        "campus.yaml:5:14: checks[0].params.method: unknown key 'method'\n");
  Diagnostics d;
  CHECK(load(feed + "    params: {method: post, headers: {X-Key: '${secret.door.token}', "
                    "X-Date: \"${now('%a, %d %b %Y %H:%M:%S GMT', 'Z')}\"}, body: "
                    "'{\"since\": \"${today(-1, ''%F'')}\", \"url\": \"${target}\"}'}\n",
             d));
  INFO(d.str());
}

TEST_CASE_FIXTURE(Fixture, "all problems are reported at once") {
  const auto text = std::string("agent: {concurrency: 0}\nchecks:\n") +
                    "  - {id: a, probe: nope, target: x}\n" +
                    "  - {id: b, probe: tcp, target: 'no-port', indicators: [X-1]}\n";
  Diagnostics d;
  CHECK_FALSE(load(text, d));
  CHECK(d.size() == 4);
}

TEST_CASE_FIXTURE(Fixture, "a secret never appears in a fingerprint or summary") {
  Diagnostics d;
  auto config = load(kValid, d);
  REQUIRE(config);
  for (const auto& c : config->checks)
    CHECK(c->fingerprint.find("s3cret-pw") == std::string::npos);
  CHECK(config_summary(*config, catalog).find("s3cret") == std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "changing a check changes only its fingerprint") {
  Diagnostics d;
  auto a = load(kValid, d);
  std::string changed = kValid;
  changed.replace(changed.find("interval: 1h"), 12, "interval: 2h");
  auto b = load(changed, d);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->find_check("portal-http")->fingerprint == b->find_check("portal-http")->fingerprint);
  CHECK(a->find_check("sso-tls")->fingerprint != b->find_check("sso-tls")->fingerprint);
}

TEST_CASE_FIXTURE(Fixture, "sessions: checks name them, their login probes are built and checked") {
  const std::string secrets =
      "secrets:\n  student: {username_env: SSO_USER, password_env: SSO_PASS}\n";
  const std::string session =
      "sessions:\n  student:\n    probe: cas\n"
      "    target: https://auth.example.edu.cn/authserver\n"
      "    params: {service: \"https://ehall.example.edu.cn/login\", "
      "credentials: student}\n";
  const std::string check =
      "checks:\n  - id: timetable\n    probe: http\n"
      "    target: https://ehall.example.edu.cn/timetable.do\n";
  Diagnostics d;
  auto config = load(
      secrets + session + "    ttl: 2h\n    retry_after: 10m\n" + check + "    session: student\n",
      d);
  INFO(d.str());
  REQUIRE(config);
  const auto& spec = *config->sessions.at("student");
  CHECK(spec.ttl == std::chrono::hours(2));
  CHECK(spec.retry_after == std::chrono::minutes(10));
  CHECK(spec.timeout == std::chrono::seconds(20));
  CHECK(config->find_check("timetable")->session == "student");
  REQUIRE(plan->sessions.count("student") == 1);
  CHECK(plan->sessions.at("student")->login->id == "session:student");
  CHECK(plan->sessions.at("student")->login->probe_type == "cas");

  CHECK(errors(secrets + session + check + "    session: teacher\n") ==
        "campus.yaml:12:14: checks[0].session: unknown session 'teacher' (known: student)\n");
  CHECK(errors(check + "    session: teacher\n") ==
        "campus.yaml:5:14: checks[0].session: unknown session 'teacher' (the config has no "
        "sessions:)\n");
  CHECK(errors(secrets + session +
               "checks:\n  - id: t\n    probe: tcp\n    target: x:1\n"
               "    session: student\n") ==
        "campus.yaml:12:14: checks[0].session: probe type 'tcp' cannot use a session (types "
        "that can: feed, http, scenario)\n");
  CHECK(errors(secrets + "sessions:\n  student: {probe: http, target: \"http://x/\"}\n" + check) ==
        "campus.yaml:4:20: sessions.student.probe: probe type 'http' cannot log a session in "
        "(types that can: cas, oidc, scenario)\n");
  CHECK(errors(secrets + "sessions:\n  student:\n    probe: cas\n    target: https://a/cas\n" +
               check) ==
        "campus.yaml:6:13: sessions.student.target: a cas check needs params.service and "
        "params.credentials\n");
  CHECK(errors(secrets + "sessions:\n  Student One: {probe: cas, target: \"https://a/\"}\n" +
               check) ==
        "campus.yaml:4:16: sessions.Student One: session names may use only a-z, 0-9, _ and -, "
        "got 'Student One'\n");
  CHECK(errors(secrets + session + "    login_urls: [/cas/login]\n" + check) ==
        "campus.yaml:8:17: sessions.student.login_urls: expected http(s):// URLs, got "
        "'/cas/login'\n");
}

TEST_CASE_FIXTURE(Fixture,
                  "maintenance windows select checks by id, system or labels, in local time") {
  const std::string check =
      "checks:\n  - id: opac\n    probe: http\n"
      "    target: http://lib.example.edu.cn/\n    labels: {system: library}\n";
  Diagnostics d;
  auto config = load(
      "maintenance:\n  - name: library upgrade\n    reason: planned upgrade\n"
      "    from: \"2026-12-05 08:00\"\n    to: \"2026-12-05 18:00\"\n"
      "    systems: [library]\n" +
          check,
      d);
  INFO(d.str());
  REQUIRE(config);
  REQUIRE(config->maintenance.size() == 1);
  const auto& w = *config->maintenance[0];
  // 08:00 at +08:00 is midnight UTC.
  CHECK(w.from == std::chrono::system_clock::time_point(
                      std::chrono::sys_days(std::chrono::year(2026) / 12 / 5)));
  CHECK(w.to - w.from == std::chrono::hours(10));
  const CheckSpec& opac = *config->find_check("opac");
  CHECK(config->maintenance_for(opac, w.from + std::chrono::hours(1)));
  CHECK_FALSE(config->maintenance_for(opac, w.to));
  CHECK(errors("maintenance:\n  - {name: x, reason: y, from: \"2026-12-05 08:00\", to: "
               "\"2026-12-05 07:00\", checks: [opac]}\n" +
               check) == "campus.yaml:2:56: maintenance[0].to: the window ends before it starts\n");
  CHECK(errors("maintenance:\n  - {name: x, reason: y, from: \"2026-12-05 08:00\", to: "
               "\"2026-12-05 09:00\"}\n" +
               check) ==
        "campus.yaml:2:5: maintenance[0]: a maintenance window needs checks, "
        "systems or labels to select what it covers\n");
  CHECK(errors("maintenance:\n  - {name: x, reason: y, from: \"next Saturday\", to: "
               "\"2026-12-05 09:00\", checks: [opac]}\n" +
               check) ==
        "campus.yaml:2:32: maintenance[0].from: expected a local time like "
        "2026-12-05 08:00 (or a date), got 'next Saturday'\n");
}

TEST_CASE_FIXTURE(Fixture,
                  "waivers name an indicator or a check, a reason, an owner and a last day") {
  const std::string check =
      "checks:\n  - id: opac\n    probe: http\n"
      "    target: http://lib.example.edu.cn/\n    indicators: [H-2.2.2.4]\n";
  Diagnostics d;
  auto config =
      load(check +
               "waivers:\n  - {indicator: H-2.1.1.1, reason: 培养方案调整中, owner: 教务处 "
               "王老师, until: \"2027-03-01\"}\n  - {check: opac, reason: OPAC "
               "replaced, owner: 图书馆 李老师, until: \"2026-12-31\"}\n",
           d);
  INFO(d.str());
  REQUIRE(config);
  REQUIRE(config->waivers.size() == 2);
  const auto until = config->waivers[0]->until;  // the end of 2027-03-01 in China
  CHECK(config->waiver_for_indicator("H-2.1.1.1", until - std::chrono::seconds(1)));
  CHECK_FALSE(config->waiver_for_indicator("H-2.1.1.1", until));
  // The waived check does not count: its only indicator shows as waived, never met.
  IndicatorState state(catalog);
  state.set_config(config, {});
  state.record(*config->find_check("opac"), {Verdict::pass, FailureKind::none, "ok", {}, {}, 1});
  CHECK(state.view(*catalog.find("H-2.2.2.4")).status == IndicatorStatus::waived);
  CHECK(state.view(*catalog.find("H-2.1.1.1")).status == IndicatorStatus::waived);
  CHECK(state.view(*catalog.find("H-2.1.1.1")).waiver->owner == "教务处 王老师");
  CHECK(errors(check + "waivers:\n  - {indicator: H-9.9.9.9, reason: r, owner: o, until: "
                       "\"2027-01-01\"}\n") ==
        "campus.yaml:7:17: waivers[0].indicator: unknown indicator 'H-9.9.9.9' (see campus-probe "
        "indicators)\n");
  CHECK(errors(check + "waivers:\n  - {check: opac, reason: r, owner: o, until: soon}\n") ==
        "campus.yaml:7:47: waivers[0].until: expected the last day of the waiver as YYYY-MM-DD, "
        "got 'soon'\n");
  CHECK(errors(check + "waivers:\n  - {reason: r, owner: o, until: \"2027-01-01\"}\n") ==
        "campus.yaml:7:5: waivers[0]: a waiver names one indicator or one check\n");
}

TEST_CASE_FIXTURE(Fixture, "attestations hash their document and hold from a first to a last day") {
  const std::string doc = std::filesystem::temp_directory_path() / "campus-attestation-doc.md";
  std::ofstream(doc) << "abc";
  const std::string check =
      "checks:\n  - id: opac\n    probe: http\n"
      "    target: http://lib.example.edu.cn/\n    indicators: [H-2.2.2.4]\n";
  const std::string head =
      "attestations:\n  - id: plan\n    indicator: H-2.1.1.1\n"
      "    statement: 培养方案已调整\n"
      "    owner: {name: 王芳, role: 教务处处长}\n"
      "    approver: {name: 李明, role: 分管副校长}\n";
  const std::string document = "    document: {path: " + doc + ", ref: 校教〔2026〕15号}\n";
  Diagnostics d;
  auto config = load(head + document + "    valid_from: 2026-09-01\n    expires: 2027-08-31\n" +
                         "indicators:\n  H-2.2.2.4: {policy: checks_and_attestation}\n" + check,
                     d);
  INFO(d.str());
  REQUIRE(config);
  REQUIRE(config->attestations.size() == 1);
  const auto& a = *config->attestations[0];
  CHECK(a.document_sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(a.owner.role == "教务处处长");
  // From the first moment of 2026-09-01 to the end of 2027-08-31, in China.
  using namespace std::chrono;
  CHECK(a.valid_from == system_clock::time_point(sys_days(year(2026) / 8 / 31) + hours(16)));
  CHECK(a.expires == system_clock::time_point(sys_days(year(2027) / 8 / 31) + hours(16)));
  CHECK(config->attestation_for("H-2.1.1.1", a.expires - seconds(1)));
  CHECK_FALSE(config->attestation_for("H-2.1.1.1", a.expires));
  CHECK_FALSE(config->attestation_for("H-2.1.1.1", a.valid_from - seconds(1)));
  CHECK(config->policy_of("H-2.2.2.4") == IndicatorPolicy::checks_and_attestation);

  const std::string days = "    valid_from: 2026-09-01\n    expires: 2027-08-31\n";
  CHECK(errors(head + "    document: {path: /nonexistent/plan.pdf, ref: r}\n" + days + check) ==
        "campus.yaml:7:22: attestations[0].document.path: cannot read the document "
        "/nonexistent/plan.pdf: No such file or directory\n");
  CHECK(errors(head + document + "    valid_from: 2026-09-01\n    expires: 2026-08-01\n" + check) ==
        "campus.yaml:9:14: attestations[0].expires: the attestation expires before it holds\n");
  CHECK(errors(head + document + "    valid_from: 2026-09-01\n    expires: next year\n" + check) ==
        "campus.yaml:9:14: attestations[0].expires: expected the last day it holds as "
        "YYYY-MM-DD, got 'next year'\n");
  CHECK(errors(head + document + days + "  - id: plan\n    indicator: H-9.9.9.9\n" + check)
            .find("attestations[1].id: duplicate attestation id 'plan'") != std::string::npos);
  CHECK(errors("indicators:\n  H-2.2.2.4: {policy: both}\n" + check) ==
        "campus.yaml:2:23: indicators.H-2.2.2.4.policy: expected all, any or "
        "checks_and_attestation, got 'both'\n");
  std::filesystem::remove(doc);
}

TEST_CASE_FIXTURE(Fixture, "YAML nested thousands of levels deep is refused with the reason") {
  const std::string deep = "checks: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  const std::string problems = errors(deep);
  CHECK(problems.find("YAML nested more than") != std::string::npos);
  CHECK(problems.find("bad file") == std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "a YAML alias bomb in a scenario's JSON body is refused, not expanded") {
  // Nine levels of nine aliases: 387,420,489 leaves from a dozen lines.
  std::string yaml =
      "checks:\n  - id: a\n    probe: scenario\n    target: http://127.0.0.1/\n"
      "    params:\n      steps:\n        - url: /\n          json:\n";
  yaml += "            l0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 9; ++i) {
    yaml += "            l" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k)
      yaml += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    yaml += "]\n";
  }
  const std::string problems = errors(yaml);
  CHECK(problems.find("cannot set up the probe: the value expands to more than 100000 nodes") !=
        std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "a secret file other users can read is refused, naming file and mode") {
  namespace fs = std::filesystem;
  std::string pattern = (fs::temp_directory_path() / "campus-secret-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  const fs::path dir = pattern;
  const fs::path file = dir / "web.pass";
  std::ofstream(file) << "s3cret-pw\n";
  const std::string config = "secrets:\n  t: {username: u, password_file: " + file.string() +
                             "}\nchecks:\n  - id: a\n    probe: http\n    target: "
                             "http://127.0.0.1/\n";
  // Reachable by anyone: the directory lets them in (the temporary directory above it does).
  fs::permissions(dir, fs::perms(0755));
  fs::permissions(file, fs::perms(0644));
  CHECK(errors(config) == "campus.yaml:2:35: secrets.t.password_file: secret file " +
                              file.string() +
                              " is readable by other users (mode 0644); chmod 600 it (or 640 "
                              "with a dedicated group), or keep it in a directory they cannot "
                              "enter\n");
  fs::permissions(file, fs::perms(0666));
  CHECK(errors(config).find("is writable by other users (mode 0666)") != std::string::npos);
  // Through a symlink, the file it leads to counts.
  fs::create_symlink(file, dir / "link.pass");
  CHECK(
      errors("secrets:\n  t: {username: u, password_file: " + (dir / "link.pass").string() + "}\n")
          .find("is writable by other users") != std::string::npos);
  Diagnostics d;
  // A username is no secret: a file of it may be world-readable.
  CHECK(load("secrets:\n  t: {username_file: " + file.string() +
                 ", password_env: SSO_PASS}\nchecks:\n  - id: a\n    probe: http\n"
                 "    target: http://127.0.0.1/\n",
             d));
  INFO(d.str());
  fs::permissions(file, fs::perms(0600));
  CHECK(load(config, d));
  INFO(d.str());
  fs::permissions(file, fs::perms(0640));
  CHECK(load(config, d));
  // The package's layout: 0644 files in a directory other users cannot enter expose nothing.
  fs::permissions(file, fs::perms(0644));
  fs::permissions(dir, fs::perms(0750));
  CHECK(load(config, d));
  fs::remove_all(dir);
}
