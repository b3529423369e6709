#pragma once
// Verifying an OpenID Connect id_token: a JWS in compact form, signed with a key from the
// provider's JWKS (RS256/384/512, PS256/384/512, ES256/384), and its standard claims (iss, aud,
// exp, iat, nonce; OpenID Connect Core 1.0 §3.1.3.7). OpenSSL does the cryptography.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace campus {

struct JwtExpectations {
  std::string issuer;
  std::string audience;              ///< the client id
  std::optional<std::string> nonce;  ///< when one was sent
  std::vector<std::string> algorithms = {"RS256", "ES256"};
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  std::chrono::seconds leeway{60};  ///< clock skew allowed on exp and iat
};

struct VerifiedJwt {
  nlohmann::json header;
  nlohmann::json claims;
};

/// Verifies `token` against `jwks` (a JWK Set document). On failure returns nullopt with a
/// reason in `error`, e.g. "signature does not verify with key campus-key" or "expired 5 min
/// ago".
std::optional<VerifiedJwt> verify_jwt(std::string_view token, const nlohmann::json& jwks,
                                      const JwtExpectations& expected, std::string& error);

/// The JOSE header of a compact JWS without verifying anything (for evidence and key choice).
std::optional<nlohmann::json> jwt_header(std::string_view token);

}  // namespace campus
