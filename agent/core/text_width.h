#pragma once
// Terminal column widths of UTF-8 text, so that tables mixing Chinese and ASCII line up.

#include <cstddef>
#include <string>
#include <string_view>

namespace campus {

/// Columns `text` takes in a terminal: East Asian wide and fullwidth characters count two,
/// combining marks zero, everything else one. Invalid UTF-8 bytes count one each.
std::size_t display_width(std::string_view text);

/// `text` followed by spaces up to `width` columns (unchanged if already wider).
std::string pad_right(std::string_view text, std::size_t width);

}  // namespace campus

namespace campus {

/// At most `max_bytes` of `text`, cut at a character boundary, with invalid UTF-8 bytes replaced
/// by '?', so that it can go into JSON evidence.
std::string utf8_excerpt(std::string_view text, std::size_t max_bytes);

}  // namespace campus
