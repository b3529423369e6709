#pragma once
// Digests through OpenSSL's EVP interface.

#include <string>
#include <string_view>

namespace campus {

/// SHA-256 of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

/// Lowercase hex of raw bytes.
std::string to_hex(std::string_view bytes);

}  // namespace campus
