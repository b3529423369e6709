#include "core/redactor.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "core/secrets.h"

using campus::Redactor;

namespace {

campus::SecretSet make_secret_set(std::string name, std::optional<std::string> username,
                                  std::optional<std::string> password,
                                  std::optional<std::string> token = std::nullopt) {
  campus::SecretSet set;
  set.name = std::move(name);
  set.username = std::move(username);
  if (password) set.password = campus::Secret(*password);
  if (token) set.token = campus::Secret(*token);
  return set;
}

}  // namespace

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

TEST_CASE("a Basic credential is redacted in every base64 form it travels in") {
  // base64("probe:s3cr3t>>?~") has '/' and padding, so that each of the four forms differs.
  const auto forms = campus::basic_credential_forms("probe", "s3cr3t>>?~");
  CHECK(forms == std::vector<std::string>{"cHJvYmU6czNjcjN0Pj4/fg==", "cHJvYmU6czNjcjN0Pj4/fg",
                                          "cHJvYmU6czNjcjN0Pj4_fg==", "cHJvYmU6czNjcjN0Pj4_fg"});
  campus::SecretStore store;
  store.add(make_secret_set("web", "probe", "s3cr3t>>?~"));
  const Redactor r(store.values());
  // An echo endpoint quoting the request's headers as JSON: no "Authorization:" line to match.
  for (const auto& form : forms) {
    CAPTURE(form);
    CHECK(r.text(R"({"headers": {"Authorization": "Basic )" + form + R"("}})") ==
          R"({"headers": {"Authorization": "Basic [redacted]"}})");
  }
  CHECK(r.text("token echoed: czNjcjN0Pj4_fg") == "token echoed: [redacted]");
  // A username alone is no secret: nothing is derived from a set without a password.
  campus::SecretStore user_only;
  user_only.add(make_secret_set("cam", "camera", std::nullopt));
  CHECK(user_only.values().empty());
}

TEST_CASE("base64 forms of a secret too short to tell from a word are not derived") {
  campus::SecretStore store;
  store.add(make_secret_set("t", std::nullopt, std::nullopt, "abc"));
  CHECK(store.values() == std::vector<std::string>{"abc"});
  CHECK(store.derived_values().empty());
}

TEST_CASE("a run's redactor of what it derived removes each value once, cut tails too") {
  const Redactor run({"sig-0a1b2c3d4e", "hunter2", "sig-0a1b2c3d4e", ""});
  CHECK(run.has_values());
  CHECK_FALSE(Redactor().has_values());
  CHECK_FALSE(Redactor({""}).has_values());
  CHECK(run.text("hunter2 signed sig-0a1b2c3d4e") == "[redacted] signed [redacted]");
  // Cut at the end of an excerpt, as the configured secrets are.
  CHECK(run.text("echo: sig-0a1b2") == "echo: [redacted]");
  CHECK(campus::redact_values("x sig-0a1b2c3d4e y sig-0a", {"sig-0a1b2c3d4e"}) ==
        "x [redacted] y [redacted]");
}
