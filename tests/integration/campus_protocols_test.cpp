// The campus protocol probes on 127.0.0.1: radius against a real FreeRADIUS, sip2 against the
// SIP2 simulator (no SIP2 server is packaged in Debian).

#include <doctest/doctest.h>

#include "support.h"

using namespace campus;
using namespace campus::test;
using namespace std::chrono_literals;

namespace {

// Secret files for the RADIUS shared secret and the test accounts.
struct RadiusSecrets {
  TempDir dir;
  std::string secrets;

  RadiusSecrets() {
    add("nas", "", "testing123", "secret");
    add("nas_wrong", "", "not-testing123", "secret");
    add("student", "student1", "radpass1", "password");
    add("student_wrong", "student1", "wrong-radpass", "password");
    add("locked", "locked1", "radpass1", "password");
  }
  void add(const std::string& name, const std::string& user, const std::string& value,
           const std::string& kind) {
    secrets += "  " + name + ": {" + (user.empty() ? "" : "username: " + user + ", ") + kind +
               "_file: " + dir.file(name, value) + "}\n";
  }
  RunRecord run(const std::string& port, const std::string& params,
                const std::string& timeout = "5s") const {
    return run_check("secrets:\n" + secrets +
                         "checks:\n  - id: t\n    probe: radius\n    target: \"127.0.0.1:" + port +
                         "\"\n    timeout: " + timeout + "\n    params: " + params + "\n",
                     "t");
  }
};

}  // namespace

TEST_CASE("radius: an accepted login, with the answer's authenticators verified") {
  RadiusSecrets s;
  auto r = s.run(server("RADIUS_PORT"), "{secret: nas, credentials: student}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.reason == "student1: Access-Accept");
  CHECK(r.result.evidence["attributes"] ==
        nlohmann::json::array({"Reply-Message", "Class", "Message-Authenticator"}));
  CHECK(r.result.evidence["reply_message"] == "Hello student1");
  CHECK(r.result.measurement("radius_round_trip_seconds") > 0);
  const std::string evidence = r.result.evidence.dump();
  CHECK(evidence.find("radpass1") == std::string::npos);
  CHECK(evidence.find("testing123") == std::string::npos);
}

TEST_CASE("radius: a wrong password is rejected, and a reject can be what is expected") {
  RadiusSecrets s;
  auto wrong = s.run(server("RADIUS_PORT"), "{secret: nas, credentials: student_wrong}");
  CHECK(wrong.result.kind == FailureKind::auth_rejected);
  CHECK(wrong.result.reason == "student1: Access-Reject (Reply-Message: Hello student1)");
  auto locked = s.run(server("RADIUS_PORT"), "{secret: nas, credentials: locked, expect: reject}");
  CHECK(locked.result.verdict == Verdict::pass);
  CHECK(locked.result.reason == "locked1: Access-Reject as expected");
  auto accepted =
      s.run(server("RADIUS_PORT"), "{secret: nas, credentials: student, expect: reject}");
  CHECK(accepted.result.kind == FailureKind::bad_content);
}

TEST_CASE("radius: Status-Server answers without a test account") {
  RadiusSecrets s;
  auto r = s.run(server("RADIUS_PORT"), "{secret: nas}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.evidence["request"] == "Status-Server");
}

TEST_CASE("radius: an answer without Message-Authenticator is not believed unless allowed") {
  RadiusSecrets s;
  auto strict = s.run(server("RADIUS_NOMA_PORT"), "{secret: nas, credentials: student}");
  CHECK(strict.result.kind == FailureKind::protocol_error);
  CHECK(strict.result.reason.find(
            "Access-Accept refused: the response has no Message-Authenticator") == 0);
  auto lax = s.run(server("RADIUS_NOMA_PORT"),
                   "{secret: nas, credentials: student, require_message_authenticator: false}");
  CHECK(lax.result.verdict == Verdict::pass);
}

TEST_CASE("radius: a wrong shared secret and a server that is down fail within the timeout") {
  RadiusSecrets s;
  // FreeRADIUS drops a request whose Message-Authenticator does not verify, without an answer.
  auto secret = s.run(server("RADIUS_PORT"),
                      "{secret: nas_wrong, credentials: student, tries: 2, try_timeout: 500ms}");
  CHECK(secret.result.kind == FailureKind::timeout);
  CHECK(secret.result.reason.find("after 2 tries (a wrong shared secret") != std::string::npos);
  CHECK(secret.result.duration < 2s);
  auto down =
      s.run(std::to_string(free_port()), "{secret: nas, credentials: student, try_timeout: 500ms}");
  CHECK(down.result.verdict == Verdict::fail);
  CHECK((down.result.kind == FailureKind::connect || down.result.kind == FailureKind::timeout));
}

namespace {

struct Sip2Secrets {
  TempDir dir;
  std::string secrets;
  Sip2Secrets() {
    secrets =
        "  term: {username: campus-probe, password_file: " + dir.file("term", "sip2pw") +
        "}\n  term_wrong: {username: campus-probe, password_file: " +
        dir.file("term_wrong", "not-sip2pw") +
        "}\n  patron: {username: P0001, password_file: " + dir.file("patron", "1234") +
        "}\n  patron_wrong: {username: P0001, password_file: " + dir.file("patron_wrong", "9876") +
        "}\n  patron_invalid: {username: P0002}\n";
  }
  RunRecord run(const std::string& mode, const std::string& params,
                const std::string& timeout = "3s") const {
    return run_check("secrets:\n" + secrets +
                         "checks:\n  - id: t\n    probe: sip2\n    target: \"127.0.0.1:" +
                         server("SIP2_SIM_" + mode + "_PORT") + "\"\n    timeout: " + timeout +
                         "\n    params: " + params + "\n",
                     "t");
  }
};

}  // namespace

TEST_CASE("sip2: login, ACS status and a test patron, over TCP and TLS") {
  Sip2Secrets s;
  auto r = s.run("NORMAL", "{login: term, patron: patron, location: campus-probe}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.reason == "ACS online, protocol 2.00, patron valid with 2 item(s) charged");
  CHECK(r.result.evidence["messages"] == nlohmann::json::array({"93→94", "99→98", "63→64"}));
  CHECK(r.result.evidence["acs"]["library_name"] == "校园图书馆");
  CHECK(r.result.evidence["patron"]["holds"] == 1);
  CHECK(r.result.measurement("sip2_patron_charged_items") == 2);
  CHECK(r.result.evidence.dump().find("1234") == std::string::npos);
  auto tls = s.run("TLS", "{login: term, tls: {ca_file: " + server("SIP2_SIM_CA") + "}}");
  INFO(tls.result.reason);
  CHECK(tls.result.verdict == Verdict::pass);
  auto untrusted = s.run("TLS", "{login: term, tls: {enabled: true}}");
  CHECK(untrusted.result.kind == FailureKind::tls);
}

TEST_CASE("sip2: names in GB18030 are read as such") {
  Sip2Secrets s;
  auto r = s.run("GB18030", "{login: term, encoding: gb18030}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.evidence["acs"]["library_name"] == "校园图书馆");
}

TEST_CASE("sip2: each fault of the ACS fails with its own reason") {
  Sip2Secrets s;
  auto login = s.run("NORMAL", "{login: term_wrong}");
  CHECK(login.result.kind == FailureKind::auth_rejected);
  CHECK(login.result.reason == "login: the ACS refused the terminal's login (94 ok=0)");
  auto patron = s.run("NORMAL", "{login: term, patron: patron_wrong}");
  CHECK(patron.result.kind == FailureKind::auth_rejected);
  CHECK(patron.result.reason ==
        "patron_information: the test patron's password was not accepted (CQ=N)");
  auto invalid = s.run("NORMAL", "{login: term, patron: patron_invalid}");
  CHECK(invalid.result.reason ==
        "patron_information: the ACS says the test patron is not valid (BL=N)");
  auto offline = s.run("OFFLINE", "{login: term}");
  CHECK(offline.result.reason == "sc_status: the ACS reports itself offline");
  auto badsum = s.run("BADSUM", "{login: term}");
  CHECK(badsum.result.kind == FailureKind::protocol_error);
  CHECK(badsum.result.reason.find("login: bad checksum") == 0);
  auto garbage = s.run("GARBAGE", "{login: term}");
  CHECK(garbage.result.reason == "login: not a SIP2 message (no two-digit identifier)");
  auto drop = s.run("DROP", "{login: term}");
  CHECK(drop.result.kind == FailureKind::connect);
  CHECK(drop.result.reason == "login: the ACS closed the connection");
  auto slow = s.run("SLOW", "{login: term}", "1s");
  CHECK(slow.result.kind == FailureKind::timeout);
  CHECK(slow.result.duration < 2s);
}
