#pragma once
// Parsing JSON that comes from outside (evidence lines, which anyone with file access can edit)
// with a bound on nesting: a value nested thousands deep parses, but serialising or walking it
// recurses once per level and can exhaust the stack.

#include <string_view>

#include <nlohmann/json.hpp>

namespace campus {

/// Nesting deeper than this is refused.
inline constexpr int kMaxJsonDepth = 128;

/// The parsed value, or a discarded one (is_discarded()) when `text` is not JSON or nests deeper
/// than kMaxJsonDepth.
nlohmann::json parse_json_bounded(std::string_view text);

}  // namespace campus
