#include "core/json_assertion.h"

#include <doctest/doctest.h>

using campus::JsonAssertion;

namespace {
const nlohmann::json kDoc = nlohmann::json::parse(
    R"({"status":"ok","version":1,"latency":12.5,"checks":{"db":"up"},"items":[{"n":"a"}],"none":null})");

std::optional<std::string> check(const std::string& text) {
  std::string error;
  auto a = JsonAssertion::parse(text, error);
  REQUIRE_MESSAGE(a.has_value(), error);
  return a->check(kDoc);
}
}  // namespace

TEST_CASE("JSON assertions that hold") {
  for (const char* text :
       {"/status == ok", "/status == \"ok\"", "/version == 1", "/version >= 1", "/latency < 20",
        "/checks/db != down", "/items/0/n == a", "/checks exists", "/missing !exists",
        "/none == null", "/status matches ^o"}) {
    CAPTURE(text);
    CHECK_FALSE(check(text).has_value());
  }
}

TEST_CASE("JSON assertions that fail say what was expected and found") {
  CHECK(check("/status == degraded") == R"(/status: expected == "degraded", got "ok")");
  CHECK(check("/version > 3") == "/version: expected > 3, got 1");
  CHECK(check("/status < 3") == R"(/status: expected a number, got "ok")");
  CHECK(check("/nope == 1") == "/nope: missing");
  CHECK(check("/nope exists") == "/nope: expected to exist, but it is missing");
  CHECK(check("/status matches ^x") == R"(/status: expected to match /^x/, got "ok")");
}

TEST_CASE("malformed assertions are refused with a reason") {
  std::string error;
  CHECK_FALSE(JsonAssertion::parse("status == ok", error));
  CHECK(error == "expected a JSON pointer starting with '/' in 'status == ok'");
  CHECK_FALSE(JsonAssertion::parse("/a ~= 1", error));
  CHECK_FALSE(JsonAssertion::parse("/a ==", error));
  CHECK(error == "missing the value to compare with in '/a =='");
  CHECK_FALSE(JsonAssertion::parse("/a < high", error));
  CHECK(error == "'<' compares numbers, but 'high' is not a number");
  CHECK_FALSE(JsonAssertion::parse("/a matches (", error));
}
