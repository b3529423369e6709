// Fuzz target: an OpenID provider's id_token (a compact JWS) and JWKS. The first line is the
// token, the rest the JWK Set document, parsed as the oidc probe parses the jwks_uri answer.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "oidc/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string token = input.substr(0, newline);
  const std::string jwks_text =
      newline == std::string::npos ? std::string() : input.substr(newline + 1);
  (void)campus::jwt_header(token);
  const auto jwks = nlohmann::json::parse(jwks_text, nullptr, false);
  campus::JwtExpectations expected;
  expected.issuer = "https://sso.campus.test";
  expected.audience = "campus-probe";
  expected.algorithms = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"};
  // The seeds' tokens were issued at this instant and are valid for an hour.
  expected.now = std::chrono::system_clock::time_point(std::chrono::seconds(1795849200));
  std::string error;
  (void)campus::verify_jwt(token, jwks, expected, error);
  expected.nonce = "n-0S6_WzA2Mj";
  (void)campus::verify_jwt(token, jwks, expected, error);
  return 0;
}
