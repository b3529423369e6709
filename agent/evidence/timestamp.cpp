#include "evidence/timestamp.h"

#include <ctime>
#include <stdexcept>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "core/encoding.h"
#include "core/openssl_error.h"

namespace campus {
namespace {

template <auto Free>
struct Freer {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using TsReq = std::unique_ptr<TS_REQ, Freer<TS_REQ_free>>;
using TsResp = std::unique_ptr<TS_RESP, Freer<TS_RESP_free>>;
using TsMsgImprint = std::unique_ptr<TS_MSG_IMPRINT, Freer<TS_MSG_IMPRINT_free>>;
using TsTstInfo = std::unique_ptr<TS_TST_INFO, Freer<TS_TST_INFO_free>>;
using TsVerifyCtx = std::unique_ptr<TS_VERIFY_CTX, Freer<TS_VERIFY_CTX_free>>;
using X509Algor = std::unique_ptr<X509_ALGOR, Freer<X509_ALGOR_free>>;
using Asn1Integer = std::unique_ptr<ASN1_INTEGER, Freer<ASN1_INTEGER_free>>;
using Bignum = std::unique_ptr<BIGNUM, Freer<BN_free>>;
using Pkcs7 = std::unique_ptr<PKCS7, Freer<PKCS7_free>>;

// i2d_* into a string.
template <typename T, typename I2d>
std::string to_der(const T* object, I2d i2d) {
  unsigned char* buffer = nullptr;
  const int length = i2d(const_cast<T*>(object), &buffer);
  if (length <= 0) throw std::runtime_error("cannot encode: " + openssl_error());
  std::string der(reinterpret_cast<const char*>(buffer), std::size_t(length));
  OPENSSL_free(buffer);
  return der;
}

template <typename T, typename D2i>
T* from_der(std::string_view der, D2i d2i) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return d2i(nullptr, &p, long(der.size()));
}

std::string digest_bytes(std::string_view digest_hex) {
  auto bytes = hex_decode(digest_hex);
  if (!bytes || bytes->size() != 32) {
    throw std::invalid_argument("expected a SHA-256 digest as 64 hex digits");
  }
  return *bytes;
}

std::chrono::system_clock::time_point gen_time_of(const TS_TST_INFO* info) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(TS_TST_INFO_get_time(info), &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// The TSTInfo's imprint is SHA-256 of exactly these bytes.
bool imprint_matches(const TS_TST_INFO* info, const std::string& digest) {
  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(const_cast<TS_TST_INFO*>(info));
  const ASN1_OBJECT* algorithm = nullptr;
  X509_ALGOR_get0(&algorithm, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(imprint));
  const ASN1_OCTET_STRING* message = TS_MSG_IMPRINT_get_msg(imprint);
  return OBJ_obj2nid(algorithm) == NID_sha256 &&
         std::size_t(ASN1_STRING_length(message)) == digest.size() &&
         std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(message)),
                          digest.size()) == digest;
}

}  // namespace

TimestampQuery make_timestamp_query(std::string_view digest_hex) {
  const std::string digest = digest_bytes(digest_hex);
  X509Algor algorithm(X509_ALGOR_new());
  TsMsgImprint imprint(TS_MSG_IMPRINT_new());
  TsReq request(TS_REQ_new());
  if (!algorithm || !imprint || !request) throw std::bad_alloc();
  X509_ALGOR_set0(algorithm.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
  unsigned char nonce_bytes[8];
  if (RAND_bytes(nonce_bytes, sizeof nonce_bytes) != 1) {
    throw std::runtime_error("no random nonce: " + openssl_error());
  }
  Bignum nonce_number(BN_bin2bn(nonce_bytes, sizeof nonce_bytes, nullptr));
  Asn1Integer nonce(nonce_number ? BN_to_ASN1_INTEGER(nonce_number.get(), nullptr) : nullptr);
  if (!nonce || TS_MSG_IMPRINT_set_algo(imprint.get(), algorithm.get()) != 1 ||
      TS_MSG_IMPRINT_set_msg(imprint.get(),
                             reinterpret_cast<unsigned char*>(const_cast<char*>(digest.data())),
                             int(digest.size())) != 1 ||
      TS_REQ_set_version(request.get(), 1) != 1 ||
      TS_REQ_set_msg_imprint(request.get(), imprint.get()) != 1 ||
      TS_REQ_set_nonce(request.get(), nonce.get()) != 1 ||
      TS_REQ_set_cert_req(request.get(), 1) != 1) {
    throw std::runtime_error("cannot build the timestamp request: " + openssl_error());
  }
  return {to_der(request.get(), i2d_TS_REQ), std::string(digest_hex)};
}

TimestampToken read_timestamp_reply(std::string_view reply_der, const TimestampQuery& query) {
  TsResp reply(from_der<TS_RESP>(reply_der, d2i_TS_RESP));
  if (!reply) throw std::runtime_error("the reply is not an RFC 3161 TimeStampResp");
  TsReq request(from_der<TS_REQ>(query.der, d2i_TS_REQ));
  if (!request) throw std::runtime_error("cannot read back the timestamp request");
  // Checks the status, the version, the imprint and the nonce; not the signature (no store).
  TsVerifyCtx context(TS_REQ_to_TS_VERIFY_CTX(request.get(), nullptr));
  if (!context) throw std::bad_alloc();
  if (TS_RESP_verify_response(context.get(), reply.get()) != 1) {
    throw std::runtime_error("the TSA did not grant a matching timestamp: " + openssl_error());
  }
  TimestampToken token;
  token.der = to_der(TS_RESP_get_token(reply.get()), i2d_PKCS7);
  token.gen_time = gen_time_of(TS_RESP_get_tst_info(reply.get()));
  return token;
}

TsaTrust TsaTrust::load(const std::string& path) {
  std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
  if (!store) throw std::bad_alloc();
  if (X509_STORE_load_file(store.get(), path.c_str()) != 1) {
    throw std::runtime_error(path + ": not a PEM file of CA certificates (" + openssl_error() +
                             ")");
  }
  return TsaTrust(std::move(store));
}

TokenCheck check_timestamp_token(std::string_view token_der, std::string_view digest_hex,
                                 const TsaTrust* trust) {
  TokenCheck check;
  std::string digest;
  try {
    digest = digest_bytes(digest_hex);
  } catch (const std::invalid_argument&) {
    check.problem = "the checkpoint hash it names is not a SHA-256 digest";
    return check;
  }
  Pkcs7 token(from_der<PKCS7>(token_der, d2i_PKCS7));
  TsTstInfo info(token ? PKCS7_to_TS_TST_INFO(token.get()) : nullptr);
  if (!info) {
    ERR_clear_error();
    check.problem = "the token is not an RFC 3161 TimeStampToken";
    return check;
  }
  check.gen_time = gen_time_of(info.get());
  if (!imprint_matches(info.get(), digest)) {
    check.problem = "the token is over another hash than the checkpoint's";
    return check;
  }
  if (trust) {
    TsVerifyCtx context(TS_VERIFY_CTX_new());
    if (!context) throw std::bad_alloc();
    TS_VERIFY_CTX_set_flags(context.get(), TS_VFY_VERSION | TS_VFY_SIGNATURE);
    // The context frees its store: give it a reference of its own.
    X509_STORE_up_ref(trust->store());
    TS_VERIFY_CTX_set_store(context.get(), trust->store());
    if (TS_RESP_verify_token(context.get(), token.get()) != 1) {
      check.problem =
          "the TSA's signature does not verify with the trusted CA (" + openssl_error() + ")";
    }
  }
  ERR_clear_error();
  return check;
}

}  // namespace campus
