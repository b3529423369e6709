#include "common/transforms.h"

#include <array>
#include <memory>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/hash.h"

namespace campus {
namespace {

const EVP_MD* digest_named(std::string_view algorithm) {
  if (algorithm == "md5") return EVP_md5();
  if (algorithm == "sha1") return EVP_sha1();
  if (algorithm == "sha256") return EVP_sha256();
  return nullptr;
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string url_decode(std::string_view text) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += char(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else if (text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()));
  out.resize(std::size_t(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64_value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | unsigned(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((buffer >> bits) & 0xff);
    }
  }
  if (bits >= 6) return std::nullopt;  // a single leftover character cannot encode a byte
  return out;
}

std::optional<std::string> digest_hex(std::string_view algorithm, std::string_view data) {
  const EVP_MD* md = digest_named(algorithm);
  if (!md) return std::nullopt;
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return to_hex(std::string_view(reinterpret_cast<const char*>(out.data()), size));
}

std::optional<std::string> hmac_hex(std::string_view algorithm, std::string_view key,
                                    std::string_view data) {
  const EVP_MD* md = digest_named(algorithm);
  if (!md) return std::nullopt;
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (!HMAC(md, key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out.data(), &size)) {
    throw std::runtime_error("HMAC failed");
  }
  return to_hex(std::string_view(reinterpret_cast<const char*>(out.data()), size));
}

std::optional<std::string> aes_cbc_base64(std::string_view plaintext, std::string_view key,
                                          std::string_view iv, std::string& error) {
  const EVP_CIPHER* cipher = key.size() == 16   ? EVP_aes_128_cbc()
                             : key.size() == 24 ? EVP_aes_192_cbc()
                             : key.size() == 32 ? EVP_aes_256_cbc()
                                                : nullptr;
  if (!cipher) {
    error = "AES key must be 16, 24 or 32 bytes, got " + std::to_string(key.size());
    return std::nullopt;
  }
  if (iv.size() != 16) {
    error = "AES-CBC IV must be 16 bytes, got " + std::to_string(iv.size());
    return std::nullopt;
  }
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw std::bad_alloc();
  std::string out(plaintext.size() + 16, '\0');
  int written = 0;
  int final_bytes = 0;
  auto* out_bytes = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_EncryptInit_ex(ctx.get(), cipher, nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()),
                         reinterpret_cast<const unsigned char*>(iv.data())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out_bytes, &written,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out_bytes + written, &final_bytes) != 1) {
    throw std::runtime_error("AES-CBC encryption failed");
  }
  out.resize(std::size_t(written + final_bytes));
  return base64_encode(out);
}

std::string random_string(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string bytes(length, '\0');
  if (length > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), int(length)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  std::string out;
  out.reserve(length);
  // 62 does not divide 256; the slight bias is irrelevant for nonces and padding.
  for (unsigned char b : bytes)
    out += kAlphabet[b % kAlphabet.size()];
  return out;
}

}  // namespace campus
