// id_token verification against keys made here with OpenSSL: good tokens pass, every tampering
// and every wrong claim is refused with a reason that says which.

#include "oidc/jwt.h"

#include <memory>

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "common/transforms.h"

using namespace campus;

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Key = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string b64url(std::string_view bytes) {
  std::string s = base64_encode(bytes);
  for (auto& c : s)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=')
    s.pop_back();
  return s;
}

std::string bn_bytes(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
  std::string out(std::size_t(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

nlohmann::json rsa_jwk(EVP_PKEY* key, const std::string& kid) {
  return {{"kty", "RSA"},
          {"kid", kid},
          {"use", "sig"},
          {"n", b64url(bn_bytes(key, OSSL_PKEY_PARAM_RSA_N))},
          {"e", b64url(bn_bytes(key, OSSL_PKEY_PARAM_RSA_E))}};
}

nlohmann::json ec_jwk(EVP_PKEY* key, const std::string& kid) {
  unsigned char point[65];
  size_t size = 0;
  REQUIRE(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                          &size) == 1);
  REQUIRE(size == 65);
  const std::string raw(reinterpret_cast<char*>(point), size);
  return {{"kty", "EC"},
          {"kid", kid},
          {"crv", "P-256"},
          {"x", b64url(raw.substr(1, 32))},
          {"y", b64url(raw.substr(33, 32))}};
}

std::string sign(EVP_PKEY* key, const std::string& alg, const std::string& kid,
                 const nlohmann::json& claims) {
  const nlohmann::json header = {{"alg", alg}, {"kid", kid}, {"typ", "JWT"}};
  const std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  REQUIRE(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1);
  size_t size = 0;
  REQUIRE(EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                         input.size()) == 1);
  std::string sig(size, '\0');
  REQUIRE(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size,
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
  sig.resize(size);
  EVP_MD_CTX_free(ctx);
  if (alg == "ES256") {  // DER to the JWS form r || s
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, long(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(ecdsa);
    sig = raw;
  }
  return input + "." + b64url(sig);
}

struct JwtFixture {
  Key rsa{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048))};
  Key ec{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
  nlohmann::json jwks;
  JwtExpectations expected;
  std::int64_t now = 1'800'000'000;

  JwtFixture() {
    REQUIRE(rsa);
    REQUIRE(ec);
    jwks = {{"keys", {rsa_jwk(rsa.get(), "rsa-1"), ec_jwk(ec.get(), "ec-1")}}};
    expected.issuer = "https://auth.campus.test";
    expected.audience = "campus-client";
    expected.nonce = "n-123";
    expected.now = std::chrono::system_clock::time_point(std::chrono::seconds(now));
  }

  nlohmann::json claims() const {
    return {{"iss", "https://auth.campus.test"},
            {"aud", {"campus-client"}},
            {"sub", "dwho"},
            {"exp", now + 3600},
            {"iat", now - 5},
            {"nonce", "n-123"}};
  }

  std::string failure(const std::string& token) {
    std::string error;
    CHECK_FALSE(verify_jwt(token, jwks, expected, error));
    return error;
  }
};

}  // namespace

TEST_CASE_FIXTURE(JwtFixture, "RS256 and ES256 id_tokens verify") {
  std::string error;
  auto rs = verify_jwt(sign(rsa.get(), "RS256", "rsa-1", claims()), jwks, expected, error);
  REQUIRE_MESSAGE(rs, error);
  CHECK(rs->claims["sub"] == "dwho");
  auto es = verify_jwt(sign(ec.get(), "ES256", "ec-1", claims()), jwks, expected, error);
  REQUIRE_MESSAGE(es, error);
  CHECK(es->header["alg"] == "ES256");
}

TEST_CASE_FIXTURE(JwtFixture, "a tampered id_token is refused") {
  const std::string token = sign(rsa.get(), "RS256", "rsa-1", claims());
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  auto forged = claims();
  forged["sub"] = "admin";
  const std::string tampered =
      token.substr(0, dot1 + 1) + b64url(forged.dump()) + token.substr(dot2);
  CHECK(failure(tampered) == "signature does not verify with key rsa-1");
  // Signed by a key that is not in the JWKS, under a kid that is.
  Key other{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048))};
  CHECK(failure(sign(other.get(), "RS256", "rsa-1", claims())) ==
        "signature does not verify with key rsa-1");
  CHECK(failure(sign(rsa.get(), "RS256", "rotated", claims())) ==
        "no RSA key with kid rotated in the JWKS");
  CHECK(failure("abc.def") == "not a compact JWS (expected three dot-separated parts)");
}

TEST_CASE_FIXTURE(JwtFixture, "unsigned and symmetric algorithms are refused") {
  const nlohmann::json header = {{"alg", "none"}};
  const std::string none = b64url(header.dump()) + "." + b64url(claims().dump()) + ".";
  CHECK(failure(none).find("alg \"none\"") != std::string::npos);
}

TEST_CASE_FIXTURE(JwtFixture, "wrong or stale claims are refused with the claim named") {
  auto c = claims();
  c["exp"] = now - 600;
  CHECK(failure(sign(rsa.get(), "RS256", "rsa-1", c)) == "expired 10 min ago");
  c = claims();
  c["exp"] = now - 30;  // within the leeway
  std::string error;
  CHECK(verify_jwt(sign(rsa.get(), "RS256", "rsa-1", c), jwks, expected, error));
  c = claims();
  c["iss"] = "https://evil.example";
  CHECK(failure(sign(rsa.get(), "RS256", "rsa-1", c)) ==
        "iss is \"https://evil.example\", expected \"https://auth.campus.test\"");
  c = claims();
  c["aud"] = "other-client";
  CHECK(failure(sign(rsa.get(), "RS256", "rsa-1", c)) ==
        "aud does not include the client id campus-client");
  c = claims();
  c["nonce"] = "replayed";
  CHECK(failure(sign(rsa.get(), "RS256", "rsa-1", c)) == "nonce does not match the one sent");
  c = claims();
  c["iat"] = now + 7200;
  CHECK(failure(sign(rsa.get(), "RS256", "rsa-1", c)) == "issued 2 h in the future (clock skew?)");
}
