#pragma once
// The params of a `cas` check.

#include <optional>
#include <string>
#include <vector>

#include "common/html_forms.h"
#include "common/http_session.h"
#include "core/secrets.h"
#include "probe/probe.h"

namespace campus {

struct CasSettings {
  enum class Mode { form, rest };
  enum class Encryption { automatic, none, aes };

  std::string base;  ///< the CAS server's base URL, e.g. https://auth.example.edu.cn/cas
  std::string service;
  std::string username;
  Secret password;
  Mode mode = Mode::form;
  int protocol = 3;         ///< 3: /p3/serviceValidate, 2: /serviceValidate
  bool json = false;        ///< format=JSON
  std::string expect_user;  ///< default: the test account's username
  std::vector<std::string> require_attributes;
  bool logout = true;

  // form mode
  FormSelector form;  ///< default: the form with a password field
  std::optional<std::string> username_field;
  std::optional<std::string> password_field;
  Encryption encryption = Encryption::automatic;

  WebOptions web;
};

std::optional<CasSettings> parse_cas_settings(ProbeSetup& setup);

}  // namespace campus
