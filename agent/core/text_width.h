#pragma once
// UTF-8 text for people: terminal column widths (so tables mixing Chinese and ASCII line up) and
// safe excerpts of untrusted bytes.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace campus {

/// One decoded character and how many bytes it took.
struct Utf8Char {
  char32_t code;
  std::size_t length;
};
/// Decodes the character at byte `at`; nullopt for an invalid or truncated sequence.
std::optional<Utf8Char> decode_utf8(std::string_view text, std::size_t at);

/// Columns `text` takes in a terminal: East Asian wide and fullwidth characters count two,
/// combining marks zero, everything else one. Invalid UTF-8 bytes count one each.
std::size_t display_width(std::string_view text);

/// `text` followed by spaces up to `width` columns (unchanged if already wider).
std::string pad_right(std::string_view text, std::size_t width);

/// At most `max_bytes` of `text`, cut at a character boundary, with invalid UTF-8 bytes replaced
/// by '?', so that it can go into JSON evidence.
std::string utf8_excerpt(std::string_view text, std::size_t max_bytes);

}  // namespace campus
