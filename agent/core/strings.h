#pragma once
// Small string helpers used across the agent and the probes, defined once.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace campus {

/// `s` without leading and trailing white space (space, tab, CR, LF); a view into `s`.
inline std::string_view trim_view(std::string_view s, std::string_view space = " \t\r\n") {
  const auto b = s.find_first_not_of(space);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(space);
  return s.substr(b, e - b + 1);
}

/// trim_view() as a string.
inline std::string trim(std::string_view s, std::string_view space = " \t\r\n") {
  return std::string(trim_view(s, space));
}

/// ASCII lower case (HTTP header names, schemes, keywords); other bytes are kept as they are.
inline std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

/// Whether `a` and `b` are equal ignoring ASCII case.
inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

/// A hash for unordered containers keyed by std::string that may be searched with a
/// std::string_view without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace campus
