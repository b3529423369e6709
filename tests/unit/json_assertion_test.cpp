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

namespace {
const nlohmann::json kJsonLengths = nlohmann::json::parse(
    R"({"rows":[1,2,3],"items":[],"obj":{"a":1,"b":2},"empty":{},"name":"校园网","ascii":"abcd",
        "n":12,"flag":true,"none":null})");

std::optional<std::string> check_json_length(const std::string& text) {
  std::string error;
  auto a = JsonAssertion::parse(text, error);
  REQUIRE_MESSAGE(a.has_value(), error);
  return a->check(kJsonLengths);
}

// 2026-11-28T12:00:00Z, which is 20:00 at +08:00.
const std::chrono::system_clock::time_point kJsonNow =
    std::chrono::sys_days{std::chrono::year(2026) / 11 / 28} + std::chrono::hours(12);

std::optional<std::string> check_json_age(const std::string& text, const nlohmann::json& value) {
  std::string error;
  auto a = JsonAssertion::parse(text, error);
  REQUIRE_MESSAGE(a.has_value(), error);
  return a->check(nlohmann::json{{"t", value}}, kJsonNow);
}

std::string assertion_parse_error(const std::string& text) {
  std::string error;
  CHECK_FALSE(JsonAssertion::parse(text, error));
  return error;
}
}  // namespace

TEST_CASE("length counts elements, members and code points") {
  for (const char* text :
       {"/rows length >= 1", "/rows length == 3", "/rows length != 2", "/rows length < 4",
        "/rows length <= 3", "/rows length > 2", "/items length == 0", "/obj length == 2",
        "/empty length == 0", "/name length == 3", "/name length < 64", "/ascii length == 4"}) {
    CAPTURE(text);
    CHECK_FALSE(check_json_length(text).has_value());
  }
}

TEST_CASE("length without a pointer measures the whole document, as the rows of a query") {
  std::string error;
  const auto rows = nlohmann::json::parse(R"([{"n": 1}, {"n": 2}])");
  auto some = JsonAssertion::parse("length >= 1", error);
  REQUIRE_MESSAGE(some, error);
  CHECK_FALSE(some->check(rows).has_value());
  auto none = JsonAssertion::parse("length == 0", error);
  REQUIRE(none);
  CHECK(none->check(rows) == "the document: expected length == 0, got 2");
  CHECK_FALSE(JsonAssertion::parse("size >= 1", error));
}

TEST_CASE("length failures say what was expected and found") {
  CHECK(check_json_length("/items length >= 1") == "/items: expected length >= 1, got 0");
  CHECK(check_json_length("/rows length == 0") == "/rows: expected length == 0, got 3");
  CHECK(check_json_length("/obj length > 2") == "/obj: expected length > 2, got 2");
  CHECK(check_json_length("/name length > 3") == "/name: expected length > 3, got 3");
  CHECK(check_json_length("/n length >= 1") ==
        "/n: expected an array, object or string for length, got 12");
  CHECK(check_json_length("/flag length >= 1") ==
        "/flag: expected an array, object or string for length, got true");
  CHECK(check_json_length("/none length >= 1") ==
        "/none: expected an array, object or string for length, got null");
  CHECK(check_json_length("/nope length >= 1") == "/nope: missing");
}

TEST_CASE("age accepts RFC 3339, local dates and epoch times") {
  // Each is 2026-11-28T11:00:00Z (an hour before kJsonNow) unless said otherwise.
  const nlohmann::json hour_ago[] = {
      "2026-11-28T11:00:00Z",
      "2026-11-28T11:00:00z",
      "2026-11-28T19:00:00+08:00",
      "2026-11-28T06:00:00-05:00",
      "2026-11-28T19:00:00+0800",
      "2026-11-28T11:00:00.123456Z",
      "2026-11-28 19:00:00",  // local, +08:00 by default
      "2026-11-28T19:00:00",
      1795863600,       // epoch seconds
      1795863600.5,     // with a fraction
      1795863600000LL,  // epoch milliseconds
      "1795863600",     // numeric strings
      "1795863600000",
  };
  for (const auto& value : hour_ago) {
    CAPTURE(value.dump());
    CHECK(check_json_age("/t age <= 1h", value) == std::nullopt);
    CHECK(check_json_age("/t age > 59m", value) == std::nullopt);
    CHECK(check_json_age("/t age < 59m", value).has_value());
  }
  // A bare date is its local midnight: 2026-11-27T16:00:00Z at +08:00, 20h before kJsonNow.
  CHECK(check_json_age("/t age <= 20h", "2026-11-28") == std::nullopt);
  CHECK(check_json_age("/t age < 20h", "2026-11-28") ==
        R"(/t: expected age < 20h, got 20h ("2026-11-28"))");
}

TEST_CASE("age failures say what was expected and found") {
  CHECK(check_json_age("/t age <= 7d", "2026-11-20T11:58:30Z") ==
        R"(/t: expected age <= 7d, got 8d1m30s ("2026-11-20T11:58:30Z"))");
  CHECK(check_json_age("/t age < 15m", 1795866000000LL) ==
        "/t: expected age < 15m, got 20m (1795866000000)");
  CHECK(check_json_age("/t age >= 1h", "2026-11-28T11:59:59.5Z") ==
        R"(/t: expected age >= 1h, got 500ms ("2026-11-28T11:59:59.5Z"))");
  CHECK(check_json_age("/t age < 1s", "2026-11-28T11:59:58Z") ==
        R"(/t: expected age < 1s, got 2s ("2026-11-28T11:59:58Z"))");
  std::string error;
  auto a = JsonAssertion::parse("/nope age < 1h", error);
  REQUIRE(a);
  CHECK(a->check(nlohmann::json::object(), kJsonNow) == "/nope: missing");
}

TEST_CASE("age names the offset of local dates") {
  // 2026-11-28 12:00:00 at +00:00 is kJsonNow itself; at the default +08:00 it is 8h earlier.
  CHECK(check_json_age("/t age < 1m @+00:00", "2026-11-28 12:00:00") == std::nullopt);
  CHECK(check_json_age("/t age < 1m @Z", "2026-11-28 12:00:00") == std::nullopt);
  CHECK(check_json_age("/t age >= 8h", "2026-11-28 12:00:00") == std::nullopt);
  CHECK(check_json_age("/t age < 1m @+08:00", "2026-11-28 20:00:00") == std::nullopt);
  CHECK(check_json_age("/t age >= 3h @-05:00", "2026-11-28 04:00:00") == std::nullopt);
  CHECK(check_json_age("/t age < 3h @-05:00", "2026-11-28 04:00:00") ==
        R"(/t: expected age < 3h, got 3h ("2026-11-28 04:00:00"))");
  // An explicit offset in the value wins.
  CHECK(check_json_age("/t age < 1m @-05:00", "2026-11-28T12:00:00Z") == std::nullopt);
}

TEST_CASE("age refuses dates in the future, allowing a minute of clock skew") {
  CHECK(check_json_age("/t age < 1m", "2026-11-28T12:00:59Z") == std::nullopt);
  CHECK(check_json_age("/t age >= 0s", "2026-11-28T12:01:00Z") == std::nullopt);
  CHECK(check_json_age("/t age < 1h", "2026-11-28T12:01:01Z") ==
        R"(/t: "2026-11-28T12:01:01Z" is in the future by 1m1s)");
  // A local time taken as UTC would be 8 hours ahead.
  CHECK(check_json_age("/t age < 1h @+00:00", "2026-11-28 20:00:00") ==
        R"(/t: "2026-11-28 20:00:00" is in the future by 8h)");
  CHECK(check_json_age("/t age < 1h", 1795910400) == "/t: 1795910400 is in the future by 12h");
}

TEST_CASE("age refuses values that are not dates, naming them") {
  const nlohmann::json garbage[] = {"yesterday",
                                    "",
                                    "2026-13-01",
                                    "2026-02-30",
                                    "2026-11-28T25:00:00Z",
                                    "2026-11-28T12:00Z",
                                    "2026-11-28T12:00:00+8",
                                    "2026-11-28T12:00:00 UTC",
                                    "2026-11-28T12:00:00.Z",
                                    "2026/11/28",
                                    "12.34.56",
                                    "-1795863600",
                                    -5,
                                    true,
                                    nullptr,
                                    nlohmann::json::array(),
                                    nlohmann::json::object()};
  for (const auto& value : garbage) {
    CAPTURE(value.dump());
    CHECK(check_json_age("/t age < 1h", value) ==
          "/t: expected a date or epoch time for age, got " + value.dump());
  }
}

TEST_CASE("malformed length and age assertions are refused with a reason") {
  CHECK(assertion_parse_error("/a length") ==
        "expected one of == != < <= > >= after 'length' in '/a length'");
  CHECK(assertion_parse_error("/a length ~ 3") ==
        "expected one of == != < <= > >= after 'length' in '/a length ~ 3'");
  CHECK(assertion_parse_error("/a length exists") ==
        "expected one of == != < <= > >= after 'length' in '/a length exists'");
  CHECK(assertion_parse_error("/a length >=") ==
        "missing the value to compare with in '/a length >='");
  CHECK(assertion_parse_error("/a length >= x") ==
        "'length' compares with a whole number, but 'x' is not one");
  CHECK(assertion_parse_error("/a length >= 1.5") ==
        "'length' compares with a whole number, but '1.5' is not one");
  CHECK(assertion_parse_error("/a length >= -1") ==
        "'length' compares with a whole number, but '-1' is not one");
  CHECK(assertion_parse_error("/a length >= 1 2") ==
        "unexpected '2' after the number in '/a length >= 1 2'");
  CHECK(assertion_parse_error("/a age == 1h") ==
        "expected one of < <= > >= after 'age' in '/a age == 1h'");
  CHECK(assertion_parse_error("/a age") == "expected one of < <= > >= after 'age' in '/a age'");
  CHECK(assertion_parse_error("/a age <") == "missing the value to compare with in '/a age <'");
  CHECK(assertion_parse_error("/a age < 7") ==
        "'age' compares with a duration (like 500ms, 10s, 5m, 1h or 7d), but '7' is not one");
  CHECK(assertion_parse_error("/a age < 1w") ==
        "'age' compares with a duration (like 500ms, 10s, 5m, 1h or 7d), but '1w' is not one");
  CHECK(assertion_parse_error("/a age < 7d +08:00") ==
        "expected a UTC offset like @+08:00 after the duration, got '+08:00' in '/a age < 7d "
        "+08:00'");
  CHECK(assertion_parse_error("/a age < 7d @+8") ==
        "expected a UTC offset like @+08:00 after the duration, got '@+8' in '/a age < 7d @+8'");
  CHECK(assertion_parse_error("/a age < 7d @+08:00 x") ==
        "unexpected 'x' after the offset in '/a age < 7d @+08:00 x'");
  // The existing forms keep their messages.
  CHECK(assertion_parse_error("/a ~= 1") ==
        "expected one of == != < <= > >= exists !exists matches after the pointer in '/a ~= 1'");
}
