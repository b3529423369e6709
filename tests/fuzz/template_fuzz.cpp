// Fuzz target: the template language of scenario URLs, headers and form fields. The first line
// is the template as a config writes it; the later lines are the values of the variables it
// reads, in order (a login page's hidden fields, a salt, a key: what targets send back).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "common/template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view text = input.substr(0, newline);
  std::string error;
  const auto parsed = campus::Template::parse(text, error);
  if (!parsed) return 0;
  (void)parsed->is_literal();
  std::vector<std::string_view> values;
  if (newline != std::string_view::npos) {
    std::size_t start = newline + 1;
    while (start <= input.size()) {
      const std::size_t end = std::min(input.find('\n', start), input.size());
      values.push_back(input.substr(start, end - start));
      start = end + 1;
    }
  }
  campus::Variables variables;
  variables.set_now(std::chrono::system_clock::time_point(std::chrono::seconds(1795849200)));
  const auto names = parsed->references();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string_view value = values.empty() ? std::string_view() : values[i % values.size()];
    variables.set(names[i], std::string(value), names[i].starts_with("secret."));
  }
  // The check runner turns an exception into a failed run (json_string() of invalid UTF-8 throws
  // nlohmann's type_error 316); it must not be anything worse.
  try {
    if (const auto expanded = parsed->expand(variables, error)) (void)expanded->sensitive_parts;
  } catch (const std::exception&) {
  }
  (void)variables.sensitive_values();
  // A copy expands the same (the parts are shared).
  const campus::Template copy = *parsed;
  (void)copy.expand(campus::Variables(), error);
  return 0;
}
