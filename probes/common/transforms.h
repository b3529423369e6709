#pragma once
// The encodings, digests and ciphers that real campus login pages apply to what a browser sends,
// done with OpenSSL so a probe can send exactly what the page's JavaScript would.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace campus {

/// Percent-encodes everything but RFC 3986's unreserved characters.
std::string url_encode(std::string_view text);
/// Decodes %XX escapes and, in form encoding, '+' as space.
std::string url_decode(std::string_view text);

std::string base64_encode(std::string_view bytes);
/// Standard or URL-safe alphabet, padding optional; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

/// Digest of `data` as lowercase hex; `algorithm` is md5, sha1 or sha256 (else nullopt).
std::optional<std::string> digest_hex(std::string_view algorithm, std::string_view data);
/// HMAC of `data` under `key` as lowercase hex; `algorithm` is md5, sha1 or sha256.
std::optional<std::string> hmac_hex(std::string_view algorithm, std::string_view key,
                                    std::string_view data);

/// AES-CBC (key of 16, 24 or 32 bytes selects AES-128/192/256; IV of 16 bytes) with PKCS#7
/// padding, as base64; nullopt with `error` set for a bad key or IV length.
std::optional<std::string> aes_cbc_base64(std::string_view plaintext, std::string_view key,
                                          std::string_view iv, std::string& error);

/// `length` random characters from letters and digits, from OpenSSL's CSPRNG.
std::string random_string(std::size_t length);

}  // namespace campus
