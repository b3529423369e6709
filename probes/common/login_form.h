#pragma once
// Filling in a login page's form as a person would: the form with the password field, every
// hidden input as the page sent it, and the credentials in the fields the page names.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/html_forms.h"

namespace campus {

/// The chosen form, or (with an empty selector) the first form with a password field, or one
/// with an input named "password".
const HtmlForm* find_login_form(const std::vector<HtmlForm>& forms, const FormSelector& selector);

/// An input whose name or id is `key`.
const HtmlInput* find_input(const HtmlForm& form, std::string_view key);

struct LoginFieldNames {
  std::optional<std::string> username;  ///< default: the form's first text or email input
  std::optional<std::string> password;  ///< default: the named password input, else "password"
};

/// Every named hidden input, then username and password in their fields.
std::vector<std::pair<std::string, std::string>> login_form_fields(const HtmlForm& form,
                                                                   const LoginFieldNames& names,
                                                                   const std::string& username,
                                                                   const std::string& password);

}  // namespace campus
