#pragma once
// Parsing JSON that comes from outside (evidence lines, which anyone with file access can edit;
// bodies a probed target sends) with a bound on nesting and size: a value nested thousands deep
// parses, but serialising or walking it recurses once per level and can exhaust the stack; a
// parsed document takes many times the memory of its text.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace campus {

/// Nesting deeper than this is refused.
inline constexpr int kMaxJsonDepth = 128;

/// Texts longer than this are refused by parse_json_limited() unless the caller says otherwise.
inline constexpr std::size_t kMaxJsonBytes = 16 * 1024 * 1024;

/// What parse_json_limited() allows.
struct JsonLimits {
  int max_depth = kMaxJsonDepth;
  std::size_t max_bytes = kMaxJsonBytes;
};

/// A parse that names the limit it hit.
struct LimitedJson {
  /// The parsed value; discarded (is_discarded()) when the text is not JSON or a limit was hit.
  nlohmann::json value;
  /// Empty unless a limit was hit; then what was exceeded, e.g. "nested more than 128 levels" or
  /// "larger than 16 MiB", for the caller to prefix with what the text was ("response JSON …").
  std::string limit;
};

/// Parses `text` within `limits`. Never throws for bad or hostile input.
LimitedJson parse_json_limited(std::string_view text, JsonLimits limits = {});

/// The parsed value, or a discarded one (is_discarded()) when `text` is not JSON or nests deeper
/// than kMaxJsonDepth. No size limit: for texts already bounded by their reader.
nlohmann::json parse_json_bounded(std::string_view text);

}  // namespace campus
