#include "http/tls_context.h"

#include <stdexcept>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/openssl_error.h"

namespace campus {
namespace {

// An encrypted key would make OpenSSL ask for its passphrase on the terminal, which a daemon
// does not have: refuse it instead.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

[[noreturn]] void tls_context_fail(const std::string& what) {
  throw std::runtime_error(what + ": " + openssl_error());
}

// The certificate the context serves must be in force: an expired one fails every scraper at
// once, and a reload must not put it in place.
void check_validity(SSL_CTX* ctx, const std::string& cert_file) {
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (!cert) return;
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
    throw std::runtime_error("certificate " + cert_file + " has expired");
  }
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
    throw std::runtime_error("certificate " + cert_file + " is not valid yet");
  }
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const WebTls& tls) {
  openssl_error();  // start with an empty error queue
  auto context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, tls.tls13_only ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    tls_context_fail("certificate " + tls.cert_file + " cannot be used");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    tls_context_fail("key " + tls.key_file + " cannot be used (an unencrypted PEM key is needed)");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    tls_context_fail("key " + tls.key_file + " does not belong to certificate " + tls.cert_file);
  }
  check_validity(ctx, tls.cert_file);
  if (tls.client_auth != ClientAuth::none) {
    if (SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      tls_context_fail("client CA " + tls.client_ca_file + " cannot be used");
    }
    // Tells clients which CAs are accepted, so that one with several certificates picks right.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str());
    if (!names) tls_context_fail("client CA " + tls.client_ca_file + " holds no certificate");
    SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
    int mode = SSL_VERIFY_PEER;
    if (tls.client_auth == ClientAuth::require_and_verify) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, nullptr);
    // Resumed sessions keep the verified client; OpenSSL needs a context id to allow them.
    static constexpr unsigned char kSessionContext[] = "campus-probe";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  }
  return context;
}

}  // namespace campus
