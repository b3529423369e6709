#include "core/yaml_scalar.h"

#include <string>

#include <yaml-cpp/node/convert.h>
#include <yaml-cpp/node/node.h>

namespace campus {
namespace {

// yaml-cpp's own conversion, given a scalar node of its own holding the text.
template <typename T>
std::optional<T> decode_scalar(std::string_view text) {
  T value{};
  if (YAML::convert<T>::decode(YAML::Node(std::string(text)), value)) return value;
  return std::nullopt;
}

}  // namespace

std::optional<int> yaml_scalar_int(std::string_view text) {
  return decode_scalar<int>(text);
}

std::optional<std::int64_t> yaml_scalar_int64(std::string_view text) {
  return decode_scalar<std::int64_t>(text);
}

std::optional<double> yaml_scalar_double(std::string_view text) {
  return decode_scalar<double>(text);
}

}  // namespace campus
