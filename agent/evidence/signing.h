#pragma once
// Ed25519 signatures over the evidence chain. The agent signs the hash of each segment's seal and
// of periodic `checkpoint` records with a private key only it reads; an auditor verifies them
// with the public key alone. Unlike the HMAC, which anyone who can verify can also forge, a
// signature proves the chain up to the signed record was written by the holder of the key.

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace campus {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

/// Writes a new Ed25519 private key to `path` (PEM, mode 0600, not overwriting a file) and its
/// public key to `path`.pub. Throws std::runtime_error naming the file on failure.
void generate_signing_key(const std::string& path);

/// The agent's private key (PEM, Ed25519). Refuses a file others can read.
class SigningKey {
 public:
  /// Throws std::runtime_error naming the file when it cannot be used.
  static SigningKey load(const std::string& path);
  /// The signature of `message` (the record's hash), lowercase hex (128 digits).
  std::string sign_hex(std::string_view message) const;

 private:
  explicit SigningKey(EvpPkeyPtr key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

/// A public key (PEM, Ed25519) to verify signatures with.
class VerifyKey {
 public:
  static VerifyKey load(const std::string& path);
  bool verify_hex(std::string_view message, std::string_view signature_hex) const;

 private:
  explicit VerifyKey(EvpPkeyPtr key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace campus
