#pragma once
// A YAML scalar read as a number the way yaml-cpp's `as<T>()` reads it (0x1F and 017 as hex and
// octal integers, .inf and .nan as doubles, surrounding spaces refused), so that values keep
// their meaning whichever tree holds the text.

#include <cstdint>
#include <optional>
#include <string_view>

namespace campus {

std::optional<int> yaml_scalar_int(std::string_view text);
std::optional<std::int64_t> yaml_scalar_int64(std::string_view text);
std::optional<double> yaml_scalar_double(std::string_view text);

}  // namespace campus
