// The fast reader of canonical evidence lines must agree byte for byte with re-serialising the
// parsed record, and must hand every line that is not exactly canonical to the full parser.

#include "evidence/canonical_line.h"

#include <random>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "evidence/record.h"

using namespace campus;
using nlohmann::json;

namespace {

const std::string kMacKey = "0123456789abcdef0123456789abcdef-test-key";

std::string sealed_line(json record) {
  seal_record(record, kMacKey);
  return record.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A random JSON value of the kinds evidence holds, with the strings and numbers that have more
// than one spelling in JSON.
json random_value(std::mt19937& rng, int depth) {
  static const std::vector<std::string> pieces = {"a",
                                                  "Z",
                                                  " ",
                                                  "\"",
                                                  "\\",
                                                  "/",
                                                  "\n",
                                                  "\t",
                                                  "\r",
                                                  "\b",
                                                  "\f",
                                                  std::string(1, '\x01'),
                                                  std::string(1, '\x1f'),
                                                  "\x7f",
                                                  "统一身份认证",
                                                  "é",
                                                  "\xf0\x9f\x98\x80",
                                                  "ST-1-abc",
                                                  "{",
                                                  ","};
  auto pick = [&](int n) { return int(rng() % unsigned(n)); };
  switch (depth > 3 ? pick(6) : pick(8)) {
    case 0: {
      std::string s;
      for (int k = pick(6); k > 0; --k)
        s += pieces[std::size_t(pick(int(pieces.size())))];
      return s;
    }
    case 1:
      return std::int64_t(rng()) - std::int64_t(rng()) * 4096;
    case 2:
      return std::uint64_t(rng()) << 31;
    case 3: {
      static const double doubles[] = {0.1, 1e-05, 200.0, 1.5e+300, -2.5, 3.0e-7, 123456.789, 1e21};
      return doubles[pick(8)];
    }
    case 4:
      return pick(2) == 0;
    case 5:
      return nullptr;
    case 6: {
      json a = json::array();
      for (int k = pick(4); k > 0; --k)
        a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      // Keys without escapes: a key with one is left to the full parser (tested below).
      static const std::vector<std::string> keys = {"a", "Z", " ", "/", "统一", "é", "\x7f", "{"};
      for (int k = pick(5); k > 0; --k)
        o[keys[std::size_t(pick(int(keys.size())))] + std::to_string(pick(50))] =
            random_value(rng, depth + 1);
      return o;
    }
  }
}

}  // namespace

TEST_CASE("a canonical line yields exactly the bytes its hash and MAC cover") {
  const json record = {{"seq", 41},
                       {"type", "run"},
                       {"time", "2026-11-28T08:00:00.123Z"},
                       {"prev", std::string(64, 'e')},
                       {"check", "portal-sso"},
                       {"reason", "body does not match /\"ok\"/ — 统一身份认证 \x01"},
                       {"duration_ms", 12},
                       {"details", {{"measurements", {{"status", 200.0}, {"ratio", 1e-05}}}}}};
  const std::string line = sealed_line(record);
  const auto read = read_canonical_line(line);
  REQUIRE(read.has_value());
  CHECK(read->canonical == canonical_bytes(record));
  CHECK(read->hash == record_hash(record));
  REQUIRE(read->mac.has_value());
  CHECK(*read->mac == record_mac(record, kMacKey));
  CHECK(read->seq == 41);
  CHECK(read->type == "run");
  CHECK(read->check == "portal-sso");
  CHECK(read->prev == std::string(64, 'e'));
  CHECK(read->time == "2026-11-28T08:00:00.123Z");
}

TEST_CASE("random records read back as their canonical bytes") {
  std::mt19937 rng(20261128);
  for (int i = 0; i < 3000; ++i) {
    json record = {{"seq", i}, {"type", "run"}, {"details", random_value(rng, 0)}};
    for (int k = 0; k < 3; ++k)
      record["x" + std::to_string(rng() % 100)] = random_value(rng, 1);
    const std::string line = sealed_line(record);
    const auto read = read_canonical_line(line);
    REQUIRE_MESSAGE(read.has_value(), line);
    CHECK_MESSAGE(read->canonical == canonical_bytes(record), line);
  }
}

TEST_CASE("a line that is not exactly canonical goes to the full parser") {
  const std::string hash = "\"hash\":\"" + std::string(64, 'a') + "\"";
  const auto line = [&](const std::string& members) { return "{" + members + "," + hash + "}"; };
  // The reference: the same shape in canonical form is accepted.
  REQUIRE(read_canonical_line("{\"a\":\"x\"," + hash + ",\"seq\":1}"));
  const char* not_canonical[] = {
      "{\"a\": \"x\",\"seq\":1",                 // white space
      "{\"seq\":1,\"a\":\"x\"",                  // keys out of order
      "{\"a\":1,\"a\":2,\"seq\":1",              // duplicate key
      "{\"a\":\"\\/\",\"seq\":1",                // escaped slash
      "{\"a\":\"\\u001F\",\"seq\":1",            // uppercase hex
      "{\"a\":\"\\u0041\",\"seq\":1",            // an escape for a printable character
      "{\"a\":\"\\u000a\",\"seq\":1",            // \u000a where \n is canonical
      "{\"a\":1.50,\"seq\":1",                   // trailing zero
      "{\"a\":1E5,\"seq\":1",                    // exponent spelling
      "{\"a\":-0,\"seq\":1",                     // negative zero
      "{\"a\":123456789012345678901,\"seq\":1",  // beyond 64 bits
      "{\"a\":\"\xc0\x80\",\"seq\":1",           // overlong UTF-8
      "{\"a\":\"\xed\xa0\x80\",\"seq\":1",       // a surrogate
      "{\"a\":\"\x01\",\"seq\":1",               // raw control character
      "{\"a\\u0062\":1,\"seq\":1",               // escaped key
      "{\"a\":1,\"seq\":-1",                     // negative seq
      "{\"a\":1,\"seq\":\"1\"",                  // seq as a string
      "{\"a\":1,\"seq\":1,\"type\":5",           // type not a string
      "{\"a\":[1,],\"seq\":1",                   // not JSON
  };
  for (const char* members : not_canonical) {
    const std::string text = members;
    // Put hash where it sorts (after "a", before "seq").
    const std::string with_hash = "{" + text.substr(1, text.find("\"seq\"") - 1) + hash + "," +
                                  text.substr(text.find("\"seq\""));
    CHECK_MESSAGE(!read_canonical_line(with_hash + "}"), with_hash);
  }
  CHECK(!read_canonical_line(line("\"a\":1,\"seq\":1") + " "));  // trailing bytes
  CHECK(!read_canonical_line("{\"a\":1,\"seq\":1}"));            // no hash
  CHECK(!read_canonical_line("{\"a\":1," + hash + "}"));         // no seq
}
