#include "core/hash.h"

#include <openssl/evp.h>

namespace campus {

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

namespace {

// SHA-256 fetched from the provider once. EVP_sha256() makes OpenSSL 3 look the algorithm up
// again on every digest, which costs more than hashing a short response body. The handle is
// immutable and lives as long as the process.
const EVP_MD* sha256_algorithm() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();
  }();
  return md;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, sha256_algorithm(), nullptr);
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace campus
