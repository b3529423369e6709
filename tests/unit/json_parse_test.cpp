#include "core/json_parse.h"

#include <string>

#include <doctest/doctest.h>

using campus::JsonLimits;
using campus::parse_json_limited;

namespace {
std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}
}  // namespace

TEST_CASE("bounded JSON: within the limits it parses as usual") {
  const auto parsed = parse_json_limited(R"({"a": [1, {"b": true}]})");
  CHECK(parsed.limit.empty());
  CHECK(parsed.value["a"][1]["b"] == true);
  const auto at_limit = parse_json_limited(nested_arrays(campus::kMaxJsonDepth));
  CHECK(at_limit.limit.empty());
  CHECK_FALSE(at_limit.value.is_discarded());
  CHECK(parse_json_limited(nested_arrays(campus::kMaxJsonDepth + 1)).limit ==
        "nested more than 128 levels");
}

TEST_CASE("bounded JSON: text that is not JSON is discarded without naming a limit") {
  const auto parsed = parse_json_limited("{\"a\": ");
  CHECK(parsed.value.is_discarded());
  CHECK(parsed.limit.empty());
}

TEST_CASE("bounded JSON: nesting 100,000 deep stops at the depth limit and says so") {
  const auto parsed = parse_json_limited(nested_arrays(100000));
  CHECK(parsed.value.is_discarded());
  CHECK(parsed.limit == "nested more than 128 levels");
  const auto objects = parse_json_limited(std::string(5000, '{') + "");
  CHECK(objects.value.is_discarded());
  const auto custom = parse_json_limited(nested_arrays(5), JsonLimits{.max_depth = 4});
  CHECK(custom.limit == "nested more than 4 levels");
  CHECK(campus::parse_json_bounded(nested_arrays(100000)).is_discarded());
}

TEST_CASE("bounded JSON: a text over the size limit is refused before parsing") {
  const auto parsed = parse_json_limited(R"(["0123456789"])", JsonLimits{.max_bytes = 8});
  CHECK(parsed.value.is_discarded());
  CHECK(parsed.limit == "larger than 8 bytes");
  CHECK(parse_json_limited(std::string(campus::kMaxJsonBytes + 1, ' ')).limit ==
        "larger than 16 MiB");
}
