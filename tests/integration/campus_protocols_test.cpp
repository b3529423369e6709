// The campus protocol probes against real servers on 127.0.0.1: radius against FreeRADIUS.

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
