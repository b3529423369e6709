// The http, tls, tcp and dns probes against a real nginx and misbehaving targets on 127.0.0.1.

#include <ctime>
#include <fstream>

#include <doctest/doctest.h>

#include "support.h"

using namespace campus;
using namespace campus::test;
using namespace std::chrono_literals;

namespace {

std::string http_base() {
  return "http://127.0.0.1:" + server("NGINX_HTTP_PORT");
}
std::string https_base(const std::string& which) {
  return "https://127.0.0.1:" + server("NGINX_TLS_" + which + "_PORT");
}

// A config with one check `t`, the given probe, target and extra YAML lines for the check.
std::string one_check(const std::string& probe, const std::string& target,
                      const std::string& extra = "") {
  return "checks:\n  - id: t\n    probe: " + probe + "\n    target: \"" + target + "\"\n" + extra;
}

// A name the system resolver refuses without sending a query (a label longer than 63 bytes), so
// that resolve failures are tested without traffic off the machine.
const std::string kUnresolvable = std::string(64, 'x') + ".campus.test";

RunRecord run(const std::string& probe, const std::string& target, const std::string& extra = "") {
  return run_check(one_check(probe, target, extra), "t");
}

}  // namespace

TEST_CASE("http: a healthy JSON endpoint passes with its measurements") {
  auto r = run(
      "http", http_base() + "/status.json",
      "    params: {json_assert: [\"/status == ok\", \"/checks/db == up\", \"/version >= 1\"]}\n");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.measurement("http_status_code") == 200);
  CHECK(r.result.measurement("http_content_length_bytes") > 50);
  CHECK(r.result.evidence["response"]["headers"]["content-type"] == "application/json");
  bool has_connect_phase = false;
  for (const auto& p : r.result.phases)
    has_connect_phase |= p.name == "connect";
  CHECK(has_connect_phase);
}

TEST_CASE("http: a 500 fails as bad_status with the codes in words") {
  auto r = run("http", http_base() + "/status/500");
  CHECK(r.result.verdict == Verdict::fail);
  CHECK(r.result.kind == FailureKind::bad_status);
  CHECK(r.result.reason == "expected status 2xx, got 500");
}

TEST_CASE("http: redirects are followed by default, and can be asserted without following") {
  auto followed = run("http", http_base() + "/redirect");
  CHECK(followed.result.verdict == Verdict::pass);
  CHECK(followed.result.measurement("http_redirects") == 1);
  auto not_followed = run("http", http_base() + "/redirect",
                          "    params: {follow_redirects: false, valid_status: [302]}\n");
  CHECK(not_followed.result.verdict == Verdict::pass);
  CHECK(not_followed.result.measurement("http_status_code") == 302);
}

TEST_CASE("http: basic auth from secrets passes, a wrong password is auth_rejected") {
  setenv("CAMPUS_TEST_USER", "probe", 1);
  setenv("CAMPUS_TEST_PASS", "probepw", 1);
  setenv("CAMPUS_TEST_WRONG", "wrong-pw", 1);
  const std::string secrets =
      "secrets:\n  good: {username_env: CAMPUS_TEST_USER, password_env: CAMPUS_TEST_PASS}\n"
      "  bad: {username_env: CAMPUS_TEST_USER, password_env: CAMPUS_TEST_WRONG}\n";
  auto good = run_check(
      secrets + one_check("http", http_base() + "/basic/", "    params: {auth: {basic: good}}\n"),
      "t");
  CHECK(good.result.verdict == Verdict::pass);
  auto bad = run_check(
      secrets + one_check("http", http_base() + "/basic/", "    params: {auth: {basic: bad}}\n"),
      "t");
  CHECK(bad.result.kind == FailureKind::auth_rejected);
  CHECK(bad.result.reason == "expected status 2xx, got 401");
  CHECK(bad.log->text().find("wrong-pw") == std::string::npos);
}

TEST_CASE("http: digest auth answers a camera's challenge, a wrong password is auth_rejected") {
  setenv("CAMPUS_TEST_CAMERA_USER", "camera", 1);
  setenv("CAMPUS_TEST_CAMERA_PASS", "digest-pw-7616", 1);
  setenv("CAMPUS_TEST_CAMERA_WRONG", "wrong-digest-pw", 1);
  const std::string secrets =
      "secrets:\n"
      "  cam: {username_env: CAMPUS_TEST_CAMERA_USER, password_env: CAMPUS_TEST_CAMERA_PASS}\n"
      "  cam_bad: {username_env: CAMPUS_TEST_CAMERA_USER, password_env: "
      "CAMPUS_TEST_CAMERA_WRONG}\n";
  const auto target =
      "http://127.0.0.1:" + server("MISBEHAVE_DIGEST_PORT") + "/ISAPI/System/deviceInfo";
  auto good = run_check(secrets + one_check("http", target,
                                            "    params: {auth: {digest: cam}, json_assert: "
                                            "['/status == ok']}\n"),
                        "t");
  INFO(good.result.reason);
  CHECK(good.result.verdict == Verdict::pass);
  CHECK(good.result.measurement("http_status_code") == 200);
  CHECK(good.log->text().find("digest-pw-7616") == std::string::npos);
  CHECK(good.result.evidence.dump().find("digest-pw-7616") == std::string::npos);
  // The same account over Basic is refused: the endpoint only takes Digest.
  auto basic =
      run_check(secrets + one_check("http", target, "    params: {auth: {basic: cam}}\n"), "t");
  CHECK(basic.result.kind == FailureKind::auth_rejected);
  auto bad = run_check(
      secrets + one_check("http", target, "    params: {auth: {digest: cam_bad}}\n"), "t");
  CHECK(bad.result.kind == FailureKind::auth_rejected);
  CHECK(bad.result.reason == "expected status 2xx, got 401");
  CHECK(bad.log->text().find("wrong-digest-pw") == std::string::npos);
  CHECK(bad.result.evidence.dump().find("wrong-digest-pw") == std::string::npos);
}

TEST_CASE("http: body and JSON assertions fail as bad_content naming what was wrong") {
  auto r = run("http", http_base() + "/status.json", "    params: {body_must_match: 'degraded'}\n");
  CHECK(r.result.kind == FailureKind::bad_content);
  CHECK(r.result.reason == "body does not match /degraded/");
  auto j = run("http", http_base() + "/status.json",
               "    params: {json_assert: ['/checks/db == down']}\n");
  CHECK(j.result.reason == "/checks/db: expected == \"down\", got \"up\"");
  auto not_json =
      run("http", http_base() + "/index.html", "    params: {json_assert: ['/a exists']}\n");
  CHECK(not_json.result.reason == "body is not valid JSON");
}

TEST_CASE("https: a valid certificate from the test CA passes and reports its expiry") {
  auto r = run("http", https_base("VALID") + "/status.json",
               "    params: {tls: {ca_file: \"" + server("TEST_CA") + "\"}}\n");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  const double not_after = r.result.measurement("tls_cert_not_after_timestamp_seconds");
  const double days = (not_after - double(std::time(nullptr))) / 86400;
  CHECK(days > 300);
  CHECK(days < 400);
  bool has_tls_phase = false;
  for (const auto& p : r.result.phases)
    has_tls_phase |= p.name == "tls";
  CHECK(has_tls_phase);
}

TEST_CASE("https: expired, self-signed and not-yet-valid certificates fail as tls") {
  const std::string ca = "    params: {tls: {ca_file: \"" + server("TEST_CA") + "\"}}\n";
  auto expired = run("http", https_base("EXPIRED") + "/", ca);
  CHECK(expired.result.kind == FailureKind::tls);
  CHECK(expired.result.reason.find("certificate has expired") != std::string::npos);
  auto self = run("http", https_base("SELF") + "/", ca);
  CHECK(self.result.kind == FailureKind::tls);
  auto notyet = run("http", https_base("NOTYET") + "/", ca);
  CHECK(notyet.result.kind == FailureKind::tls);
  auto insecure =
      run("http", https_base("EXPIRED") + "/status.json", "    params: {tls: {verify: false}}\n");
  CHECK(insecure.result.verdict == Verdict::pass);
}

TEST_CASE("tls: chain, names and days left, a certificate expiring in 5 days fails min_days_left") {
  const std::string ca =
      "    params: {ca_file: \"" + server("TEST_CA") + "\", min_days_left: 14}\n";
  auto valid = run("tls", "127.0.0.1:" + server("NGINX_TLS_VALID_PORT"), ca);
  INFO(valid.result.reason);
  CHECK(valid.result.verdict == Verdict::pass);
  CHECK(valid.result.evidence["chain_verified"] == true);
  CHECK(valid.result.evidence["subject"] == "/CN=valid.campus.test");
  CHECK(valid.result.measurement("tls_chain_verified") == 1);
  auto soon = run("tls", "127.0.0.1:" + server("NGINX_TLS_SOON_PORT"), ca);
  CHECK(soon.result.kind == FailureKind::tls);
  CHECK(soon.result.reason.find("less than min_days_left 14") != std::string::npos);
  CHECK(soon.result.measurement("tls_cert_days_left") < 6);
  auto expired = run("tls", "127.0.0.1:" + server("NGINX_TLS_EXPIRED_PORT"), ca);
  CHECK(expired.result.reason == "certificate not trusted: certificate has expired");
  auto self = run("tls", "127.0.0.1:" + server("NGINX_TLS_SELF_PORT"), ca);
  CHECK(self.result.kind == FailureKind::tls);
  CHECK(self.result.evidence["chain_verified"] == false);
}

TEST_CASE("a target that accepts and never answers times out within the timeout") {
  const auto target = "http://127.0.0.1:" + server("MISBEHAVE_SILENT_PORT") + "/";
  const auto started = std::chrono::steady_clock::now();
  auto r = run("http", target, "    timeout: 1s\n");
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(r.result.kind == FailureKind::timeout);
  // curl gives up a tenth before the deadline, so that the reason can say where it hung.
  INFO(r.result.reason);
  CHECK(r.result.reason.rfind("timeout after 9", 0) == 0);
  CHECK(r.result.reason.find("ms while waiting for the first byte (connected in ") !=
        std::string::npos);
  CHECK(took < 1500ms);
}

TEST_CASE("a target that resets the connection fails, and says so") {
  auto r = run("http", "http://127.0.0.1:" + server("MISBEHAVE_RESET_PORT") + "/");
  CHECK(r.result.verdict == Verdict::fail);
  CHECK(r.result.kind == FailureKind::protocol_error);
  CHECK(r.result.reason.find("Connection reset by peer") != std::string::npos);
}

TEST_CASE("a target that drips a byte a second times out within the timeout") {
  const auto started = std::chrono::steady_clock::now();
  auto r =
      run("http", "http://127.0.0.1:" + server("MISBEHAVE_DRIP_PORT") + "/", "    timeout: 2s\n");
  CHECK(r.result.kind == FailureKind::timeout);
  CHECK(std::chrono::steady_clock::now() - started < 2500ms);
}

TEST_CASE("a 50 MiB body is inspected up to max_body_bytes, never buffered whole") {
  auto r = run("http", http_base() + "/big.bin", "    params: {max_body_bytes: 65536}\n");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.evidence["response"]["body_truncated"] == true);
  CHECK(r.result.measurement("http_content_length_bytes") < 1024 * 1024);
}

TEST_CASE("connection refused and unresolvable names have their own failure kinds") {
  auto refused = run("http", "http://127.0.0.1:1/");
  CHECK(refused.result.kind == FailureKind::connect);
  auto unresolvable = run("http", "http://" + kUnresolvable + "/");
  CHECK(unresolvable.result.kind == FailureKind::resolve);
  auto tcp_refused = run("tcp", "127.0.0.1:1");
  CHECK(tcp_refused.result.kind == FailureKind::connect);
}

TEST_CASE("tcp: send a request and expect a reply, against nginx") {
  auto r = run("tcp", "127.0.0.1:" + server("NGINX_HTTP_PORT"),
               "    params: {send: \"GET /status.json HTTP/1.0\\r\\n\\r\\n\", expect: "
               "'\"status\":\"ok\"'}\n");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  auto wrong =
      run("tcp", "127.0.0.1:" + server("NGINX_HTTP_PORT"),
          "    params: {send: \"GET /status.json HTTP/1.0\\r\\n\\r\\n\", expect: 'SSH-2.0'}\n");
  CHECK(wrong.result.kind == FailureKind::bad_content);
  auto silent = run("tcp", "127.0.0.1:" + server("MISBEHAVE_SILENT_PORT"),
                    "    timeout: 500ms\n    params: {expect: '^220 '}\n");
  CHECK(silent.result.kind == FailureKind::timeout);
}

TEST_CASE("dns: localhost resolves to 127.0.0.1, an unresolvable name does not") {
  auto r = run("dns", "localhost", "    params: {expect_addresses: [127.0.0.1]}\n");
  CHECK(r.result.verdict == Verdict::pass);
  auto missing = run("dns", "localhost", "    params: {expect_addresses: [10.9.8.7]}\n");
  CHECK(missing.result.kind == FailureKind::bad_content);
  auto invalid = run("dns", kUnresolvable);
  CHECK(invalid.result.kind == FailureKind::resolve);
}

TEST_CASE("scenario: a date taken from an HTML news column by a regex is aged like a JSON date") {
  // The news column of a school site, served by nginx: today's notice, and one left from 2020.
  const std::string www = server("SERVERS_DIR") + "/nginx/www/";
  const std::time_t now = std::time(nullptr) + 8 * 3600;  // the date in China
  char today[11];
  std::strftime(today, sizeof today, "%Y-%m-%d", std::gmtime(&now));
  const auto page = [](const std::string& date) {
    return "<html><body><ul class=\"news\"><li><a href=\"/n/1.html\">关于2026年秋季学期选课的通知"
           "</a><span class=\"date\">" +
           date + "</span></li></ul></body></html>\n";
  };
  {
    std::ofstream(www + "news-fresh.html") << page(today);
    std::ofstream(www + "news-stale.html") << page("2020-01-02");
  }
  const auto check = [&](const std::string& path) {
    return run("scenario", http_base(),
               "    params:\n      steps:\n        - name: news column\n          url: " + path +
                   "\n          extract: [{var: newest, regex: '<span class=\"date\">"
                   "(\\d{4}-\\d{2}-\\d{2})</span>'}]\n"
                   "          expect: {extracted: [\"/newest age <= 7d\"]}\n");
  };
  const auto fresh = check("/news-fresh.html");
  INFO(fresh.result.reason);
  CHECK(fresh.result.verdict == Verdict::pass);
  const auto stale = check("/news-stale.html");
  CHECK(stale.result.verdict == Verdict::fail);
  CHECK(stale.result.kind == FailureKind::bad_content);
  CHECK(stale.result.reason.rfind(
            "step 1 \"news column\": extracted /newest: expected age <= 7d, got ", 0) == 0);
  CHECK(stale.result.reason.find("(\"2020-01-02\")") != std::string::npos);
}

TEST_CASE("http: an endless header line is reported as a header too large, not out of memory") {
  const auto r = run("http", "http://127.0.0.1:" + server("MISBEHAVE_HUGEHEADER_PORT") + "/");
  CHECK(r.result.verdict == Verdict::fail);
  CHECK(r.result.reason ==
        "response header too large (a header line over libcurl's 100 KiB limit)");
}
