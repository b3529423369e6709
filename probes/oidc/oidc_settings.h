#pragma once
// The params of an `oidc` check.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/html_forms.h"
#include "common/http_session.h"
#include "common/login_form.h"
#include "core/secrets.h"
#include "probe/probe.h"

namespace campus {

struct OidcSettings {
  enum class Grant { none, client_credentials, password, authorization_code };

  std::string issuer;  ///< the target; discovery is at issuer + /.well-known/openid-configuration
  Grant grant = Grant::none;  ///< none: discovery and JWKS only
  std::string client_id;
  Secret client_secret;
  bool client_auth_basic = true;  ///< client_secret_basic, else client_secret_post
  std::string username;
  Secret password;
  std::string redirect_uri;
  std::string scope = "openid profile email";
  std::vector<std::string> algorithms = {"RS256", "ES256"};
  bool userinfo = true;
  std::map<std::string, std::string> expect_claims;  ///< in userinfo (else the id_token)
  FormSelector form;
  LoginFieldNames fields;
  WebOptions web;
};

std::optional<OidcSettings> parse_oidc_settings(ProbeSetup& setup);

}  // namespace campus
