#include "core/yaml_json.h"

#include <cstdint>
#include <stdexcept>
#include <string>

#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>

#include "core/yaml_scalar.h"

namespace campus {
namespace {

constexpr std::size_t kMaxNodes = 100'000;
constexpr int kMaxDepth = 64;

// A key as yaml-cpp's as<std::string>() reads it: null reads as "null", a collection is refused.
std::string json_key(const YamlTree& tree, YamlTree::Id key) {
  if (tree.kind(key) == YamlTree::Kind::null) return "null";
  if (tree.kind(key) != YamlTree::Kind::scalar) {
    YAML::Mark mark;
    mark.line = tree.line(key) - 1;
    mark.column = tree.column(key) - 1;
    throw YAML::TypedBadConversion<std::string>(mark);
  }
  return std::string(tree.scalar(key));
}

nlohmann::json convert(const YamlTree& tree, YamlTree::Id id, std::size_t& nodes, int depth) {
  if (++nodes > kMaxNodes) {
    throw std::length_error(
        "the value expands to more than 100000 nodes (YAML aliases repeating "
        "themselves?)");
  }
  if (depth > kMaxDepth) throw std::length_error("the value nests deeper than 64 levels");
  const auto children = tree.children(id);
  switch (tree.kind(id)) {
    case YamlTree::Kind::map: {
      nlohmann::json out = nlohmann::json::object();
      for (std::size_t i = 0; i + 1 < children.size(); i += 2)
        out[json_key(tree, children[i])] = convert(tree, children[i + 1], nodes, depth + 1);
      return out;
    }
    case YamlTree::Kind::sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const YamlTree::Id item : children)
        out.push_back(convert(tree, item, nodes, depth + 1));
      return out;
    }
    case YamlTree::Kind::null:
      return nullptr;
    case YamlTree::Kind::scalar:
      break;
  }
  const std::string_view text = tree.scalar(id);
  if (tree.tag(id) != "!") {  // "!" marks a quoted scalar
    if (text == "true") return true;
    if (text == "false") return false;
    if (auto integer = yaml_scalar_int64(text)) return *integer;
    if (auto number = yaml_scalar_double(text)) return *number;
  }
  return std::string(text);
}

}  // namespace

nlohmann::json yaml_to_json(const YamlValue& value) {
  std::size_t nodes = 0;
  return convert(value.tree(), value.id(), nodes, 0);
}

}  // namespace campus
