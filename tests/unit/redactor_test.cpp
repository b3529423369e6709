#include "core/redactor.h"

#include <doctest/doctest.h>

using campus::Redactor;

TEST_CASE("configured secret values are removed wherever they appear") {
  const Redactor r({"hunter2", "tok-123"});
  CHECK(r.text("login with hunter2 failed") == "login with [redacted] failed");
  CHECK(r.text("Bearer tok-123 and hunter2hunter2") ==
        "Bearer [redacted] and [redacted][redacted]");
}

TEST_CASE("tickets, credential headers and credential parameters are removed") {
  const Redactor r;
  CHECK(r.text("https://portal/?ticket=ST-12-abcDEF-cas") == "https://portal/?ticket=[redacted]");
  CHECK(r.text("got ST-1-xyz from the server") == "got ST-[redacted] from the server");
  CHECK(r.text("Location: /v1/tickets/TGT-2-secret") == "Location: /v1/tickets/TGT-[redacted]");
  CHECK(r.text("Set-Cookie: SESSION=abc; HttpOnly") == "Set-Cookie: [redacted]");
  CHECK(r.text("authorization: Basic dXNlcjpwdw==") == "authorization: [redacted]");
  CHECK(r.text("username=u&password=p4ss&x=1") == "username=u&password=[redacted]&x=1");
  CHECK(r.text("TEST-1 stays") == "TEST-1 stays");
  CHECK(r.text("errorcode=5") == "errorcode=5");
}

TEST_CASE("a target's huge URL or header is redacted in linear time, without recursion") {
  // A probed site redirecting to ?token= and 90,000 characters once crashed the agent: the old
  // std::regex recursed once per character.
  const Redactor r({"hunter2"});
  const std::string token(90000, 'a');
  CHECK(r.text("https://site/done?token=" + token + "&x=1") ==
        "https://site/done?token=[redacted]&x=1");
  CHECK(r.text("Cookie: " + std::string(200000, 'c') + "\nnext") == "Cookie: [redacted]\nnext");
  CHECK(r.text("ticket ST-" + token + " hunter2") == "ticket ST-[redacted] [redacted]");
  const std::string plain(1 << 20, 'x');
  CHECK(r.text(plain) == plain);
  std::string noise;
  for (int i = 0; i < 100000; ++i)
    noise += "st-=code";
  CHECK_NOTHROW(r.text(noise));
}

TEST_CASE("JSON evidence loses credential-like fields and secret values") {
  const Redactor r({"pw-xyz"});
  const auto out = r.json(nlohmann::json::parse(
      R"({"user":"u","password":"pw-xyz","headers":{"set-cookie":"a=b","server":"nginx"},"note":"used pw-xyz","ok":true,"token_count":3})"));
  CHECK(out["user"] == "u");
  CHECK(out["password"] == "[redacted]");
  CHECK(out["headers"]["set-cookie"] == "[redacted]");
  CHECK(out["headers"]["server"] == "nginx");
  CHECK(out["note"] == "used [redacted]");
  CHECK(out["token_count"] == 3);
}

TEST_CASE("a secret cut at the end of an excerpt is redacted too") {
  const Redactor r({"hunter2-secret"});
  CHECK(r.text("the page echoed hunter2-secre") == "the page echoed [redacted]");
  CHECK(r.text("the page echoed hunt") == "the page echoed [redacted]");
  CHECK(r.text("the page echoed hun") == "the page echoed hun");  // too short to tell
  CHECK(r.text("hunter2-secret and more") == "[redacted] and more");
}
