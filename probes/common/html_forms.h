#pragma once
// The forms of an HTML page, as a browser would submit them: found with libxml2's HTML parser,
// which recovers from the broken markup real login pages are made of, never with a regex.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campus {

struct HtmlInput {
  std::string type;  ///< lower case; "text" when absent
  std::string name;  ///< may be empty (such an input is not submitted)
  std::string id;
  std::string value;
};

struct HtmlForm {
  std::string id;
  std::string name;
  std::string action;  ///< as written; empty or "#" means the page's own URL
  std::string method;  ///< lower case; "get" when absent
  std::vector<HtmlInput> inputs;

  /// The hidden inputs, which a browser submits unchanged.
  std::vector<const HtmlInput*> hidden() const;
  /// The first input of `type` (e.g. "password"), if any.
  const HtmlInput* first_of_type(std::string_view type) const;
  /// An input whose name or id contains "captcha" (any case) and that the user must fill in.
  const HtmlInput* captcha() const;
};

/// Every form of `html`, in document order. An input outside any form element belongs to the
/// form opened last before it (browsers do the same for forms broken up by tables), or to the
/// form its `form` attribute names.
std::vector<HtmlForm> parse_html_forms(std::string_view html);

/// How a scenario picks one form.
struct FormSelector {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<std::string> action;  ///< substring of the action
  std::optional<std::size_t> index;   ///< 0-based
  std::string describe() const;
};
const HtmlForm* select_form(const std::vector<HtmlForm>& forms, const FormSelector& selector);

/// The text of the element that most looks like a login page's error message (role="alert",
/// a class or id with error/danger/negative/fail, else alert/msg/message), whitespace collapsed
/// and cut to `max_chars`.
std::string html_error_message(std::string_view html, std::size_t max_chars = 120);

}  // namespace campus
