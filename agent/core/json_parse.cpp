#include "core/json_parse.h"

#include <stdexcept>

namespace campus {
namespace {

struct TooDeep : std::runtime_error {
  TooDeep() : std::runtime_error("JSON nested too deeply") {}
};

}  // namespace

nlohmann::json parse_json_bounded(std::string_view text) {
  try {
    return nlohmann::json::parse(
        text,
        [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
          if (depth > kMaxJsonDepth) throw TooDeep();
          return true;
        },
        false);
  } catch (const TooDeep&) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
}

}  // namespace campus
