#include "common/login_form.h"

namespace campus {

const HtmlForm* find_login_form(const std::vector<HtmlForm>& forms, const FormSelector& selector) {
  if (selector.id || selector.name || selector.action || selector.index) {
    return select_form(forms, selector);
  }
  for (const auto& form : forms) {
    if (form.first_of_type("password")) return &form;
  }
  for (const auto& form : forms) {
    if (find_input(form, "password")) return &form;
  }
  return nullptr;
}

const HtmlInput* find_input(const HtmlForm& form, std::string_view key) {
  for (const auto& input : form.inputs) {
    if (input.name == key || input.id == key) return &input;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> login_form_fields(const HtmlForm& form,
                                                                   const LoginFieldNames& names,
                                                                   const std::string& username,
                                                                   const std::string& password) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const HtmlInput* input : form.hidden()) {
    if (!input->name.empty()) fields.emplace_back(input->name, input->value);
  }
  std::string user_field = names.username.value_or("");
  if (user_field.empty()) {
    const HtmlInput* captcha = form.captcha();
    for (const auto& input : form.inputs) {
      if ((input.type == "text" || input.type == "email") && !input.name.empty() &&
          &input != captcha) {
        user_field = input.name;
        break;
      }
    }
  }
  if (user_field.empty()) user_field = "username";
  std::string password_field = names.password.value_or("");
  if (password_field.empty()) {
    const HtmlInput* visible = form.first_of_type("password");
    password_field = visible && !visible->name.empty() ? visible->name : "password";
  }
  auto set = [&](const std::string& name, const std::string& value) {
    for (auto& f : fields) {
      if (f.first == name) {
        f.second = value;
        return;
      }
    }
    fields.emplace_back(name, value);
  };
  set(user_field, username);
  set(password_field, password);
  return fields;
}

}  // namespace campus
