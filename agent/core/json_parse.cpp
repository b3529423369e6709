#include "core/json_parse.h"

#include <limits>
#include <stdexcept>

#include "core/bounded_file.h"

namespace campus {
namespace {

struct JsonTooDeep : std::runtime_error {
  JsonTooDeep() : std::runtime_error("JSON nested too deeply") {}
};

}  // namespace

LimitedJson parse_json_limited(std::string_view text, JsonLimits limits) {
  LimitedJson out{nlohmann::json(nlohmann::json::value_t::discarded), {}};
  if (text.size() > limits.max_bytes) {
    out.limit = "larger than " + describe_bytes(limits.max_bytes);
    return out;
  }
  // The callback sees the depth of each value as it starts; throwing ends the parse at once, so a
  // hostile text costs no more than the levels allowed.
  try {
    out.value = nlohmann::json::parse(
        text,
        [max = limits.max_depth](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
          if (depth >= max) throw JsonTooDeep();  // depth counts from 0
          return true;
        },
        false);
  } catch (const JsonTooDeep&) {
    out.value = nlohmann::json(nlohmann::json::value_t::discarded);
    out.limit = "nested more than " + std::to_string(limits.max_depth) + " levels";
  }
  return out;
}

nlohmann::json parse_json_bounded(std::string_view text) {
  return parse_json_limited(text, {kMaxJsonDepth, std::numeric_limits<std::size_t>::max()}).value;
}

}  // namespace campus
