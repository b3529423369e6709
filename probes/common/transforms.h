#pragma once
// The encodings, digests and ciphers that real campus login pages apply to what a browser sends,
// done with OpenSSL so a probe can send exactly what the page's JavaScript would.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/encoding.h"

namespace campus {

/// Percent-encodes everything but RFC 3986's unreserved characters.
std::string url_encode(std::string_view text);
/// Decodes %XX escapes and, in form encoding, '+' as space.
std::string url_decode(std::string_view text);

/// Lowercase hex of `bytes`.
std::string hex_encode(std::string_view bytes);

/// Digest of `data` as lowercase hex; `algorithm` is md5, sha1 or sha256 (else nullopt).
std::optional<std::string> digest_hex(std::string_view algorithm, std::string_view data);
/// HMAC of `data` under `key` as lowercase hex; `algorithm` is md5, sha1 or sha256.
std::optional<std::string> hmac_hex(std::string_view algorithm, std::string_view key,
                                    std::string_view data);

/// HMAC of `data` under `key` as raw bytes; `algorithm` is md5, sha1 or sha256.
std::optional<std::string> hmac_bytes(std::string_view algorithm, std::string_view key,
                                      std::string_view data);

/// AES-CBC (key of 16, 24 or 32 bytes selects AES-128/192/256; IV of 16 bytes) with PKCS#7
/// padding, as base64; nullopt with `error` set for a bad key or IV length.
std::optional<std::string> aes_cbc_base64(std::string_view plaintext, std::string_view key,
                                          std::string_view iv, std::string& error);

/// RSA encryption with PKCS#1 v1.5 padding (randomised, so every call differs) under the public
/// key of `modulus` and `exponent`, both big-endian unsigned integers as raw bytes. Returns the
/// ciphertext as raw bytes, as long as the modulus; nullopt with `error` set for a key that is
/// not one (an even modulus or one under 256 bits, an even exponent or one below 3) or a text
/// too long for the key (at most the modulus' bytes less 11).
std::optional<std::string> rsa_pkcs1_encrypt(std::string_view text, std::string_view modulus,
                                             std::string_view exponent, std::string& error);
/// The same under an RSA public key in PEM ("-----BEGIN PUBLIC KEY-----", a SubjectPublicKeyInfo,
/// or "-----BEGIN RSA PUBLIC KEY-----", PKCS#1); the lines may be joined by spaces or have none,
/// as a key copied out of a page's JavaScript often is.
std::optional<std::string> rsa_pkcs1_encrypt_pem(std::string_view text, std::string_view pem,
                                                 std::string& error);

/// Checks a time format: strftime-like conversions %Y %y %m %d %e %H %I %M %S %p %j %a %A %b %B
/// %F %T %D %R %s (epoch seconds) %z (+0800) %:z (+08:00) %L (milliseconds) %%; anything else
/// after a % is an error naming it.
bool check_time_format(std::string_view format, std::string& error);
/// `time` formatted at the fixed UTC offset `offset_minutes` (English day and month names);
/// nullopt with `error` set for a bad format.
std::optional<std::string> format_time(std::chrono::system_clock::time_point time,
                                       std::string_view format, int offset_minutes,
                                       std::string& error);

/// Srun portals' xEncode (the XXTEA variant of their login JavaScript, as public clients such as
/// srun-c implement it): `message`'s bytes as little-endian 32-bit words plus its length as a
/// last word, enciphered under the first 16 bytes of `key`; the words' bytes, little-endian.
/// Empty for an empty message.
std::string srun_xencode(std::string_view message, std::string_view key);
/// Base64 with another 64-character `alphabet` in place of A-Za-z0-9+/ ('=' padding kept), as
/// Srun's info field uses; nullopt with `error` set unless the alphabet has 64 distinct bytes.
std::optional<std::string> base64_alphabet(std::string_view bytes, std::string_view alphabet,
                                           std::string& error);
/// `text` escaped for the inside of a JSON string (quotes, backslashes, control characters).
std::string json_string_body(std::string_view text);

/// `length` random characters from letters and digits, from OpenSSL's CSPRNG.
std::string random_string(std::size_t length);

}  // namespace campus
