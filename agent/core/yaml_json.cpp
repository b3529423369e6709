#include "core/yaml_json.h"

#include <cstdint>
#include <stdexcept>

namespace campus {
namespace {

constexpr std::size_t kMaxNodes = 100'000;
constexpr int kMaxDepth = 64;

nlohmann::json convert(const YAML::Node& node, std::size_t& nodes, int depth) {
  if (++nodes > kMaxNodes) {
    throw std::length_error(
        "the value expands to more than 100000 nodes (YAML aliases repeating "
        "themselves?)");
  }
  if (depth > kMaxDepth) throw std::length_error("the value nests deeper than 64 levels");
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : node)
      out[kv.first.as<std::string>()] = convert(kv.second, nodes, depth + 1);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node)
      out.push_back(convert(item, nodes, depth + 1));
    return out;
  }
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  const std::string& text = node.Scalar();
  if (node.Tag() != "!") {  // "!" marks a quoted scalar
    if (text == "true") return true;
    if (text == "false") return false;
    std::int64_t integer = 0;
    if (YAML::convert<std::int64_t>::decode(node, integer)) return integer;
    double number = 0;
    if (YAML::convert<double>::decode(node, number)) return number;
  }
  return text;
}

}  // namespace

nlohmann::json yaml_to_json(const YAML::Node& node) {
  std::size_t nodes = 0;
  return convert(node, nodes, 0);
}

}  // namespace campus
