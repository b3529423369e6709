#include "core/bcrypt.h"

#include <crypt.h>
#include <cstring>
#include <memory>

#include <openssl/crypto.h>

namespace campus {

bool is_bcrypt_hash(std::string_view hash) {
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$')
    return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (char c : hash.substr(7)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

bool bcrypt_matches(std::string_view password, const std::string& hash) {
  if (!is_bcrypt_hash(hash) || password.find('\0') != std::string_view::npos) return false;
  // crypt_data is about 32 KiB: on the heap, one per call, so that threads never share it.
  auto data = std::make_unique<crypt_data>();
  const std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), int(sizeof(crypt_data)));
  const bool match =
      out && std::strlen(out) == hash.size() && CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return match;
}

std::optional<std::string> bcrypt_hash(std::string_view password, int cost) {
  if (cost < 4 || cost > 31 || password.find('\0') != std::string_view::npos) return std::nullopt;
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  // No random bytes given: libxcrypt takes them from the kernel.
  if (!crypt_gensalt_rn("$2b$", unsigned(cost), nullptr, 0, setting, sizeof setting))
    return std::nullopt;
  auto data = std::make_unique<crypt_data>();
  const std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), setting, data.get(), int(sizeof(crypt_data)));
  std::optional<std::string> hash;
  if (out && is_bcrypt_hash(out)) hash = std::string(out);
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return hash;
}

}  // namespace campus
