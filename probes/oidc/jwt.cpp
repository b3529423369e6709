#include "jwt.h"

#include <memory>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "common/transforms.h"
#include "core/json_parse.h"

namespace campus {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

struct Algorithm {
  std::string_view name;
  std::string_view key_type;  // JWK kty
  const EVP_MD* (*digest)();
  bool pss = false;
  std::size_t ec_size = 0;      // bytes per coordinate for ES*
  std::string_view curve = {};  // JWK crv for ES*
};

const Algorithm* algorithm_named(std::string_view name) {
  static const Algorithm table[] = {
      {"RS256", "RSA", EVP_sha256},
      {"RS384", "RSA", EVP_sha384},
      {"RS512", "RSA", EVP_sha512},
      {"PS256", "RSA", EVP_sha256, true},
      {"PS384", "RSA", EVP_sha384, true},
      {"PS512", "RSA", EVP_sha512, true},
      {"ES256", "EC", EVP_sha256, false, 32, "P-256"},
      {"ES384", "EC", EVP_sha384, false, 48, "P-384"},
  };
  for (const auto& a : table) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::optional<std::string> b64url_member(const nlohmann::json& jwk, const char* name) {
  if (!jwk.contains(name) || !jwk[name].is_string()) return std::nullopt;
  return base64_decode(jwk[name].get<std::string>());
}

BnPtr to_bn(const std::string& bytes) {
  return BnPtr(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()), nullptr));
}

PkeyPtr key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return PkeyPtr(key);
}

PkeyPtr rsa_key(const nlohmann::json& jwk) {
  auto n = b64url_member(jwk, "n");
  auto e = b64url_member(jwk, "e");
  if (!n || !e) return nullptr;
  BnPtr bn_n = to_bn(*n);
  BnPtr bn_e = to_bn(*e);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !bn_n || !bn_e ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return nullptr;
  }
  return key_from_params("RSA", bld.get());
}

PkeyPtr ec_key(const nlohmann::json& jwk, const Algorithm& alg) {
  if (!jwk.contains("crv") || jwk["crv"] != alg.curve) return nullptr;
  auto x = b64url_member(jwk, "x");
  auto y = b64url_member(jwk, "y");
  if (!x || !y || x->size() != alg.ec_size || y->size() != alg.ec_size) return nullptr;
  const std::string point = "\x04" + *x + *y;  // uncompressed SEC1 point
  const char* group = alg.ec_size == 32 ? "prime256v1" : "secp384r1";
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return nullptr;
  }
  return key_from_params("EC", bld.get());
}

// JWS carries ECDSA signatures as r || s; OpenSSL wants DER.
std::optional<std::string> ecdsa_der(const std::string& raw, std::size_t coordinate_size) {
  if (raw.size() != 2 * coordinate_size) return std::nullopt;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), int(coordinate_size), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + coordinate_size),
                        int(coordinate_size), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (size <= 0) return std::nullopt;
  std::string der(std::size_t(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &out);
  return der;
}

bool verify_signature(EVP_PKEY* key, const Algorithm& alg, std::string_view signed_part,
                      const std::string& signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, alg.digest(), nullptr, key) != 1) return false;
  if (alg.pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  std::string der;
  const std::string* sig = &signature;
  if (alg.ec_size) {
    auto converted = ecdsa_der(signature, alg.ec_size);
    if (!converted) return false;
    der = std::move(*converted);
    sig = &der;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()),
                          sig->size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                          signed_part.size()) == 1;
}

std::optional<nlohmann::json> decode_part(std::string_view part) {
  auto bytes = base64_decode(part);
  if (!bytes) return std::nullopt;
  auto json = parse_json_bounded(*bytes);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  return json;
}

std::string describe_age(std::int64_t seconds) {
  if (seconds < 120) return std::to_string(seconds) + " s";
  if (seconds < 7200) return std::to_string(seconds / 60) + " min";
  return std::to_string(seconds / 3600) + " h";
}

}  // namespace

std::optional<nlohmann::json> jwt_header(std::string_view token) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  return decode_part(token.substr(0, dot));
}

std::optional<VerifiedJwt> verify_jwt(std::string_view token, const nlohmann::json& jwks,
                                      const JwtExpectations& expected, std::string& error) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    error = "not a compact JWS (expected three dot-separated parts)";
    return std::nullopt;
  }
  VerifiedJwt out;
  auto header = decode_part(token.substr(0, first));
  auto claims = decode_part(token.substr(first + 1, second - first - 1));
  auto signature = base64_decode(token.substr(second + 1));
  if (!header || !claims || !signature) {
    error = "header, claims or signature is not valid base64url JSON";
    return std::nullopt;
  }
  const std::string alg_name = header->value("alg", "");
  if (std::find(expected.algorithms.begin(), expected.algorithms.end(), alg_name) ==
      expected.algorithms.end()) {
    error = "signed with alg \"" + alg_name + "\", which is not among the accepted algorithms";
    return std::nullopt;
  }
  const Algorithm* alg = algorithm_named(alg_name);
  if (!alg) {
    error = "alg " + alg_name + " is not supported";
    return std::nullopt;
  }
  const std::string kid = header->value("kid", "");
  if (!jwks.contains("keys") || !jwks["keys"].is_array()) {
    error = "the JWKS has no keys";
    return std::nullopt;
  }
  const std::string_view signed_part = token.substr(0, second);
  bool candidate = false;
  bool verified = false;
  for (const auto& jwk : jwks["keys"]) {
    if (!jwk.is_object() || jwk.value("kty", "") != alg->key_type) continue;
    if (!kid.empty() && jwk.value("kid", "") != kid) continue;
    if (jwk.contains("use") && jwk["use"] != "sig") continue;
    const PkeyPtr key = alg->key_type == "RSA" ? rsa_key(jwk) : ec_key(jwk, *alg);
    if (!key) continue;
    candidate = true;
    if (verify_signature(key.get(), *alg, signed_part, *signature)) {
      verified = true;
      break;
    }
  }
  if (!candidate) {
    error = "no " + std::string(alg->key_type) + " key" + (kid.empty() ? "" : " with kid " + kid) +
            " in the JWKS";
    return std::nullopt;
  }
  if (!verified) {
    error = "signature does not verify" + (kid.empty() ? std::string() : " with key " + kid);
    return std::nullopt;
  }

  // Claims (OIDC Core 3.1.3.7).
  const auto& c = *claims;
  if (c.value("iss", "") != expected.issuer) {
    error = "iss is \"" + c.value("iss", "") + "\", expected \"" + expected.issuer + "\"";
    return std::nullopt;
  }
  bool audience_ok = false;
  if (c.contains("aud") && c["aud"].is_string()) audience_ok = c["aud"] == expected.audience;
  if (c.contains("aud") && c["aud"].is_array()) {
    for (const auto& a : c["aud"])
      audience_ok = audience_ok || a == expected.audience;
  }
  if (!audience_ok) {
    error = "aud does not include the client id " + expected.audience;
    return std::nullopt;
  }
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(expected.now.time_since_epoch()).count();
  const auto leeway = expected.leeway.count();
  if (!c.contains("exp") || !c["exp"].is_number()) {
    error = "no exp claim";
    return std::nullopt;
  }
  const auto exp = c["exp"].get<std::int64_t>();
  if (now > exp + leeway) {
    error = "expired " + describe_age(now - exp) + " ago";
    return std::nullopt;
  }
  if (!c.contains("iat") || !c["iat"].is_number()) {
    error = "no iat claim";
    return std::nullopt;
  }
  const auto iat = c["iat"].get<std::int64_t>();
  if (iat > now + leeway) {
    error = "issued " + describe_age(iat - now) + " in the future (clock skew?)";
    return std::nullopt;
  }
  if (expected.nonce && c.value("nonce", "") != *expected.nonce) {
    error = c.contains("nonce") ? "nonce does not match the one sent" : "no nonce claim";
    return std::nullopt;
  }
  out.header = std::move(*header);
  out.claims = std::move(*claims);
  return out;
}

}  // namespace campus
