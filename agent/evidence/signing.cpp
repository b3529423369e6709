#include "evidence/signing.h"

#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/bounded_file.h"
#include "core/hash.h"
#include "core/openssl_error.h"

namespace campus {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::string pem_of(EVP_PKEY* key, bool is_private) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  const int ok =
      is_private ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                 : PEM_write_bio_PUBKEY(bio.get(), key);
  if (!ok) throw std::runtime_error(openssl_error());
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, std::size_t(length));
}

void write_new_file(const std::string& path, const std::string& content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    throw std::runtime_error("cannot create " + path +
                             (errno == EEXIST ? ": it exists (a key is never overwritten)" : ""));
  }
  const bool ok = ::write(fd, content.data(), content.size()) == ssize_t(content.size()) &&
                  ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path);
}

EvpPkeyPtr read_pem(const std::string& path, bool is_private) {
  FileReadProblem problem;
  const auto pem = read_bounded_file(path, kMaxSecretFileBytes, problem);
  if (!pem) {
    throw std::runtime_error(problem.kind == FileReadProblem::Kind::unreadable
                                 ? "cannot read " + path
                                 : path + " " + problem.text);
  }
  BioPtr bio(BIO_new_mem_buf(pem->data(), int(pem->size())));
  if (!bio) throw std::runtime_error("cannot read " + path);
  EvpPkeyPtr key(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                            : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    throw std::runtime_error(path + ": not a PEM " +
                             (is_private ? std::string("private") : std::string("public")) +
                             " key");
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    throw std::runtime_error(path +
                             ": not an Ed25519 key (make one with campus-probe evidence "
                             "keygen)");
  }
  return key;
}

}  // namespace

void generate_signing_key(const std::string& path) {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) throw std::runtime_error("cannot generate an Ed25519 key: " + openssl_error());
  write_new_file(path, pem_of(key.get(), true), 0600);
  write_new_file(path + ".pub", pem_of(key.get(), false), 0644);
}

SigningKey SigningKey::load(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot read " + path);
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    throw std::runtime_error(path + " can be read by other users: chmod 600 it");
  }
  return SigningKey(read_pem(path, true));
}

std::string SigningKey::sign_hex(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned char signature[64];
  std::size_t length = sizeof signature;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    throw std::runtime_error("cannot sign: " + openssl_error());
  }
  return to_hex(std::string_view(reinterpret_cast<const char*>(signature), length));
}

VerifyKey VerifyKey::load(const std::string& path) {
  return VerifyKey(read_pem(path, false));
}

bool VerifyKey::verify_hex(std::string_view message, std::string_view signature_hex) const {
  if (signature_hex.size() != 128) return false;
  unsigned char signature[64];
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 64; ++i) {
    const int high = nibble(signature_hex[2 * i]);
    const int low = nibble(signature_hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    signature[i] = static_cast<unsigned char>(high << 4 | low);
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), signature, sizeof signature,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace campus
