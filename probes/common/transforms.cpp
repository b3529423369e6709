#include "common/transforms.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

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
struct BignumDeleter {
  void operator()(BIGNUM* n) const { BN_free(n); }
};
struct ParamBuilderDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamsDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL leaves the reasons of a refusal on the thread's error queue; a transform reports its
// own message, and must not leave them behind for the next TLS handshake on this thread.
std::nullopt_t refuse(std::string& error, std::string message) {
  ERR_clear_error();
  error = std::move(message);
  return std::nullopt;
}

std::optional<std::string> rsa_encrypt(const EVP_PKEY* key, std::string_view text,
                                       std::string& error) {
  const int bits = EVP_PKEY_get_bits(key);
  const std::size_t room = std::size_t(bits + 7) / 8;
  if (room < 11 || text.size() > room - 11) {
    return refuse(error, "the text is " + std::to_string(text.size()) + " bytes; a " +
                             std::to_string(bits) + "-bit key with PKCS#1 v1.5 padding takes at " +
                             "most " + std::to_string(room < 11 ? 0 : room - 11));
  }
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, const_cast<EVP_PKEY*>(key), nullptr));
  if (!ctx) throw std::bad_alloc();
  std::size_t size = 0;
  if (EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &size, bytes_of(text), text.size()) != 1) {
    return refuse(error, "OpenSSL refused the key for RSA encryption");
  }
  std::string out(size, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size,
                       bytes_of(text), text.size()) != 1) {
    return refuse(error, "RSA encryption failed");
  }
  out.resize(size);
  return out;
}

// Keeps only the base64 characters of a key's body: line breaks, spaces and the two-character
// "\n" escapes of a key copied out of JavaScript are dropped.
std::string base64_body(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == 'n' || text[i + 1] == 'r')) {
      ++i;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      out += c;
    }
  }
  return out;
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

std::string hex_encode(std::string_view bytes) {
  return to_hex(bytes);
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

std::optional<std::string> hmac_bytes(std::string_view algorithm, std::string_view key,
                                      std::string_view data) {
  const EVP_MD* md = digest_named(algorithm);
  if (!md) return std::nullopt;
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (!HMAC(md, key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out.data(), &size)) {
    throw std::runtime_error("HMAC failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

std::optional<std::string> hmac_hex(std::string_view algorithm, std::string_view key,
                                    std::string_view data) {
  auto raw = hmac_bytes(algorithm, key, data);
  if (!raw) return std::nullopt;
  return to_hex(*raw);
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

std::optional<std::string> rsa_pkcs1_encrypt(std::string_view text, std::string_view modulus,
                                             std::string_view exponent, std::string& error) {
  std::unique_ptr<BIGNUM, BignumDeleter> n(
      BN_bin2bn(bytes_of(modulus), int(modulus.size()), nullptr));
  std::unique_ptr<BIGNUM, BignumDeleter> e(
      BN_bin2bn(bytes_of(exponent), int(exponent.size()), nullptr));
  if (!n || !e) throw std::bad_alloc();
  if (BN_is_zero(n.get()) || !BN_is_odd(n.get())) {
    return refuse(error, "the RSA modulus must be an odd number (is it the right field?)");
  }
  if (BN_num_bits(n.get()) < 256) {
    return refuse(error, "the RSA modulus has " + std::to_string(BN_num_bits(n.get())) +
                             " bits; expected at least 256 (is it the right field?)");
  }
  if (BN_cmp(e.get(), BN_value_one()) <= 0 || !BN_is_odd(e.get()) ||
      BN_cmp(e.get(), n.get()) >= 0) {
    return refuse(error, "the RSA exponent must be an odd number above 1 and below the modulus");
  }
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuilderDeleter> builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    throw std::bad_alloc();
  }
  std::unique_ptr<OSSL_PARAM, ParamsDeleter> params(OSSL_PARAM_BLD_to_param(builder.get()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!params || !ctx) throw std::bad_alloc();
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return refuse(error, "OpenSSL refused the RSA modulus and exponent");
  }
  const Pkey key(raw);
  return rsa_encrypt(key.get(), text, error);
}

std::optional<std::string> rsa_pkcs1_encrypt_pem(std::string_view text, std::string_view pem,
                                                 std::string& error) {
  // The label and the body between "-----BEGIN <label>-----" and "-----END <label>-----", or
  // the whole text as the body of a SubjectPublicKeyInfo when there are no such lines.
  std::string label = "PUBLIC KEY";
  std::string_view body = pem;
  if (const auto begin = pem.find("-----BEGIN "); begin != std::string_view::npos) {
    const auto label_end = pem.find("-----", begin + 11);
    if (label_end == std::string_view::npos) return refuse(error, "a PEM without its label");
    label = std::string(pem.substr(begin + 11, label_end - begin - 11));
    const auto end = pem.find("-----END " + label + "-----", label_end + 5);
    if (end == std::string_view::npos) {
      return refuse(error, "the PEM has no -----END " + label + "----- line");
    }
    body = pem.substr(label_end + 5, end - label_end - 5);
  }
  if (label != "PUBLIC KEY" && label != "RSA PUBLIC KEY") {
    return refuse(error, "expected a PUBLIC KEY or RSA PUBLIC KEY PEM, got " + label);
  }
  const std::string clean = base64_body(body);
  const auto der = base64_decode(clean);
  if (clean.empty() || !der) return refuse(error, "the PEM's body is not base64");
  Pkey key;
  if (label == "PUBLIC KEY") {
    // Written out again with 64-character lines, as PEM readers expect.
    std::string normalized = "-----BEGIN PUBLIC KEY-----\n";
    const std::string b64 = base64_encode(*der);
    for (std::size_t i = 0; i < b64.size(); i += 64)
      normalized += b64.substr(i, 64) + "\n";
    normalized += "-----END PUBLIC KEY-----\n";
    std::unique_ptr<BIO, BioDeleter> bio(
        BIO_new_mem_buf(normalized.data(), int(normalized.size())));
    if (!bio) throw std::bad_alloc();
    key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  } else {
    const unsigned char* p = bytes_of(*der);
    key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, long(der->size())));
  }
  if (!key) return refuse(error, "the PEM does not hold a public key OpenSSL can read");
  if (!EVP_PKEY_is_a(key.get(), "RSA")) return refuse(error, "the PEM's key is not an RSA key");
  return rsa_encrypt(key.get(), text, error);
}

namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                   "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// Formats `format` for the broken-down time `tm` (already shifted to the offset), or only checks
// it when `tm` is null.
bool render_time(std::string_view format, const std::tm* tm, std::int64_t epoch_seconds, int millis,
                 int offset_minutes, std::string& out, std::string& error) {
  auto two = [&](int v) {
    out += char('0' + v / 10 % 10);
    out += char('0' + v % 10);
  };
  auto offset = [&](bool colon) {
    const int m = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    out += offset_minutes < 0 ? '-' : '+';
    two(m / 60);
    if (colon) out += ':';
    two(m % 60);
  };
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      if (tm) out += format[i];
      continue;
    }
    if (i + 1 >= format.size()) {
      error = "the time format \"" + std::string(format) + "\" ends in a lone %";
      return false;
    }
    char c = format[++i];
    bool colon = false;
    if (c == ':' && i + 1 < format.size() && format[i + 1] == 'z') {
      colon = true;
      c = format[++i];
    }
    if (std::string_view("YymdeHIMSpjaAbBFTDRszL%").find(c) == std::string_view::npos) {
      error =
          "unknown conversion %" + std::string(1, c) + " in the time format \"" +
          std::string(format) +
          "\" (known: %Y %y %m %d %e %H %I %M %S %p %j %a %A %b %B %F %T %D %R %s %z %:z %L %%)";
      return false;
    }
    if (!tm) continue;
    switch (c) {
      case 'Y':
        out += std::to_string(tm->tm_year + 1900);
        break;
      case 'y':
        two((tm->tm_year + 1900) % 100);
        break;
      case 'm':
        two(tm->tm_mon + 1);
        break;
      case 'd':
        two(tm->tm_mday);
        break;
      case 'e':
        if (tm->tm_mday < 10) out += ' ';
        out += std::to_string(tm->tm_mday);
        break;
      case 'H':
        two(tm->tm_hour);
        break;
      case 'I':
        two(tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12);
        break;
      case 'M':
        two(tm->tm_min);
        break;
      case 'S':
        two(tm->tm_sec);
        break;
      case 'p':
        out += tm->tm_hour < 12 ? "AM" : "PM";
        break;
      case 'j':
        out += char('0' + (tm->tm_yday + 1) / 100);
        two((tm->tm_yday + 1) % 100);
        break;
      case 'a':
        out += kDays[std::size_t(tm->tm_wday)].substr(0, 3);
        break;
      case 'A':
        out += kDays[std::size_t(tm->tm_wday)];
        break;
      case 'b':
        out += kMonths[std::size_t(tm->tm_mon)].substr(0, 3);
        break;
      case 'B':
        out += kMonths[std::size_t(tm->tm_mon)];
        break;
      case 'F':
        out += std::to_string(tm->tm_year + 1900) + '-';
        two(tm->tm_mon + 1);
        out += '-';
        two(tm->tm_mday);
        break;
      case 'T':
        two(tm->tm_hour);
        out += ':';
        two(tm->tm_min);
        out += ':';
        two(tm->tm_sec);
        break;
      case 'D':
        two(tm->tm_mon + 1);
        out += '/';
        two(tm->tm_mday);
        out += '/';
        two((tm->tm_year + 1900) % 100);
        break;
      case 'R':
        two(tm->tm_hour);
        out += ':';
        two(tm->tm_min);
        break;
      case 's':
        out += std::to_string(epoch_seconds);
        break;
      case 'z':
        offset(colon);
        break;
      case 'L':
        out += char('0' + millis / 100);
        two(millis % 100);
        break;
      default:
        out += '%';
        break;
    }
  }
  return true;
}

}  // namespace

bool check_time_format(std::string_view format, std::string& error) {
  std::string unused;
  return render_time(format, nullptr, 0, 0, 0, unused, error);
}

std::optional<std::string> format_time(std::chrono::system_clock::time_point time,
                                       std::string_view format, int offset_minutes,
                                       std::string& error) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(time.time_since_epoch()).count();
  const std::int64_t seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  const int millis = int(ms - seconds * 1000);
  const std::time_t local = std::time_t(seconds + std::int64_t(offset_minutes) * 60);
  std::tm tm{};
  if (!gmtime_r(&local, &tm)) {
    error = "the time is out of range";
    return std::nullopt;
  }
  std::string out;
  if (!render_time(format, &tm, seconds, millis, offset_minutes, out, error)) return std::nullopt;
  return out;
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

std::string srun_xencode(std::string_view message, std::string_view key) {
  if (message.empty()) return {};
  const auto words = [](std::string_view data, bool append_length) {
    std::vector<std::uint32_t> v((data.size() + 3) / 4, 0);
    for (std::size_t i = 0; i < data.size(); ++i)
      v[i >> 2] |= std::uint32_t(static_cast<unsigned char>(data[i])) << (8 * (i & 3));
    if (append_length) v.push_back(std::uint32_t(data.size()));
    return v;
  };
  std::vector<std::uint32_t> v = words(message, true);
  std::vector<std::uint32_t> k = words(key, false);
  if (k.size() < 4) k.resize(4, 0);
  const std::size_t n = v.size() - 1;
  std::uint32_t z = v[n];
  std::uint32_t d = 0;
  // The portal script's loop, rounds and constants (delta 0x9E3779B9) as written.
  for (std::size_t q = 6 + 52 / (n + 1); q > 0; --q) {
    d += 0x9E3779B9u;
    const std::uint32_t e = d >> 2 & 3;
    std::size_t p = 0;
    const auto mix = [&](std::uint32_t y) {
      std::uint32_t m = (z >> 5) ^ (y << 2);
      m += ((y >> 3) ^ (z << 4)) ^ (d ^ y);
      m += k[(p & 3) ^ e] ^ z;
      return m;
    };
    for (; p < n; ++p)
      z = v[p] = v[p] + mix(v[p + 1]);
    z = v[n] = v[n] + mix(v[0]);
  }
  std::string out;
  out.reserve(v.size() * 4);
  for (const std::uint32_t w : v) {
    for (int b = 0; b < 4; ++b)
      out += char(w >> (8 * b) & 0xff);
  }
  return out;
}

std::optional<std::string> base64_alphabet(std::string_view bytes, std::string_view alphabet,
                                           std::string& error) {
  static constexpr std::string_view standard =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  bool seen[256] = {};
  for (char c : alphabet) {
    const auto u = static_cast<unsigned char>(c);
    if (seen[u] || c == '=') {
      error = "the alphabet repeats a character or uses '='";
      return std::nullopt;
    }
    seen[u] = true;
  }
  if (alphabet.size() != 64) {
    error = "the alphabet must have 64 characters, it has " + std::to_string(alphabet.size());
    return std::nullopt;
  }
  std::string out = base64_encode(bytes);
  for (char& c : out) {
    if (c != '=') c = alphabet[standard.find(c)];
  }
  return out;
}

std::string json_string_body(std::string_view text) {
  // A target's bytes need not be UTF-8: replace what is not, as a browser's JSON.stringify of a
  // decoded page would, rather than throw.
  const std::string quoted = nlohmann::json(std::string(text))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

}  // namespace campus
