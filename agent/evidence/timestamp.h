#pragma once
// RFC 3161 trusted timestamps over the evidence chain. At each signed checkpoint the agent asks a
// time-stamping authority (TSA) to sign "this SHA-256 existed at time T": the checkpoint's hash,
// which chains every record before it. A chain rewritten later has other hashes, so the tokens
// taken before the rewrite no longer match it, and new tokens carry the time of the rewrite.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/x509_vfy.h>

namespace campus {

/// A TimeStampReq (DER) for a SHA-256 digest, with a random nonce, asking for the TSA's
/// certificate in the token (so a verifier needs only the TSA's CA).
struct TimestampQuery {
  std::string der;
  std::string digest_hex;
};
/// Throws std::invalid_argument when `digest_hex` is not 64 hex digits.
TimestampQuery make_timestamp_query(std::string_view digest_hex);

struct TimestampToken {
  std::string der;  ///< the TimeStampToken (CMS SignedData), as stored in the evidence
  std::chrono::system_clock::time_point gen_time;
};

/// Reads a TSA's TimeStampResp to `query`: the token when the request was granted and the
/// token answers it (version, imprint, nonce). Throws std::runtime_error with the TSA's status or
/// the mismatch otherwise. The TSA's signature is not checked here: that is the verifier's job,
/// with the CA it trusts.
TimestampToken read_timestamp_reply(std::string_view reply_der, const TimestampQuery& query);

/// The CA certificates (PEM) a verifier trusts to issue TSA certificates.
class TsaTrust {
 public:
  /// Throws std::runtime_error naming the file when it holds no usable certificate.
  static TsaTrust load(const std::string& path);
  X509_STORE* store() const { return store_.get(); }

 private:
  explicit TsaTrust(std::shared_ptr<X509_STORE> store) : store_(std::move(store)) {}
  std::shared_ptr<X509_STORE> store_;
};

struct TokenCheck {
  std::string problem;  ///< empty when the token is good
  std::chrono::system_clock::time_point gen_time;
};

/// Checks a stored token: it is a TimeStampToken over `digest_hex` (SHA-256), and, with `trust`,
/// signed by a certificate for time stamping (extended key usage timeStamping) that chains to
/// one of its CAs.
TokenCheck check_timestamp_token(std::string_view token_der, std::string_view digest_hex,
                                 const TsaTrust* trust);

}  // namespace campus
