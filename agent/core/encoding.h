#pragma once
// Base64 and hex: how binary travels in JSON records, tokens and login forms.

#include <optional>
#include <string>
#include <string_view>

namespace campus {

std::string base64_encode(std::string_view bytes);
/// Standard or URL-safe alphabet, padding optional; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

/// The bytes of hex digits (either case); nullopt for an odd length or another character.
std::optional<std::string> hex_decode(std::string_view text);

}  // namespace campus
