#include "core/yaml_tree.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/emitter.h>
#include <yaml-cpp/emittermanip.h>

namespace campus {
namespace {

// How often each node of a subtree is reached from its root: more than once means it is shared
// (an alias), and is written once with an anchor, then as aliases (YAML::NodeEvents does the
// same for a YAML::Node, so dumps read the same).
void count_references(const YamlTree& tree, YamlTree::Id id,
                      std::unordered_map<YamlTree::Id, int>& references) {
  if (++references[id] > 1) return;
  for (const YamlTree::Id child : tree.children(id))
    count_references(tree, child, references);
}

// Writes a subtree the way YAML::Dump writes a node (yaml-cpp's NodeEvents and EmitFromEvents,
// which the library does not export): tags other than the non-specific ones, anchors numbered
// from 1 for shared nodes, and each collection in the style it was written in.
struct TreeWriter {
  const YamlTree& tree;
  YAML::Emitter& out;
  std::unordered_map<YamlTree::Id, int> references;
  std::unordered_map<YamlTree::Id, YAML::anchor_t> anchors;
  YAML::anchor_t last_anchor = 0;

  void write(YamlTree::Id id) {
    YAML::anchor_t anchor = YAML::NullAnchor;
    if (references[id] > 1) {
      if (auto it = anchors.find(id); it != anchors.end()) {
        out << YAML::Alias(std::to_string(it->second));
        return;
      }
      anchor = anchors[id] = ++last_anchor;
    }
    const YamlTree::Kind kind = tree.kind(id);
    const std::string& tag = tree.tag(id);
    if (!tag.empty() && tag != "?" && tag != "!") out << YAML::VerbatimTag(tag);
    if (anchor != YAML::NullAnchor) out << YAML::Anchor(std::to_string(anchor));
    if (kind == YamlTree::Kind::null) {
      out << YAML::Null;
      return;
    }
    if (kind == YamlTree::Kind::scalar) {
      out << std::string(tree.scalar(id));
      return;
    }
    if (tree.style(id) == YAML::EmitterStyle::Block) out << YAML::Block;
    if (tree.style(id) == YAML::EmitterStyle::Flow) out << YAML::Flow;
    out.RestoreGlobalModifiedSettings();  // the node's style must not outlive it
    const auto children = tree.children(id);
    if (kind == YamlTree::Kind::sequence) {
      out << YAML::BeginSeq;
      for (const YamlTree::Id child : children)
        write(child);
      out << YAML::EndSeq;
      return;
    }
    out << YAML::BeginMap;
    for (std::size_t i = 0; i + 1 < children.size(); i += 2) {
      out << YAML::Key;
      write(children[i]);
      out << YAML::Value;
      write(children[i + 1]);
    }
    out << YAML::EndMap;
  }
};

}  // namespace

std::string_view YamlTree::scalar(Id id) const {
  const Node& n = nodes_[id];
  if (n.kind != Kind::scalar) return {};
  return std::string_view(text_).substr(n.first, n.size);
}

std::span<const YamlTree::Id> YamlTree::children(Id id) const {
  const Node& n = nodes_[id];
  if (n.kind != Kind::sequence && n.kind != Kind::map) return {};
  return std::span<const Id>(children_).subspan(n.first, n.size);
}

std::optional<YamlTree::Id> YamlTree::find(Id id, std::string_view key) const {
  if (kind(id) != Kind::map) return std::nullopt;
  const auto entries = children(id);
  for (std::size_t i = 0; i + 1 < entries.size(); i += 2) {
    if (kind(entries[i]) == Kind::scalar && scalar(entries[i]) == key) return entries[i + 1];
  }
  return std::nullopt;
}

YAML::EmitterStyle::value YamlTree::style(Id id) const {
  return static_cast<YAML::EmitterStyle::value>(nodes_[id].style);
}

std::string YamlTree::dump(Id id, bool flow) const {
  YAML::Emitter out;
  if (flow) out << YAML::Flow;
  TreeWriter writer{*this, out, {}, {}, 0};
  count_references(*this, id, writer.references);
  writer.write(id);
  return out.c_str();
}

void YamlTree::set_scalar(Id id, std::string_view text) {
  if (text_.size() + text.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("YAML text beyond 4 GiB");
  }
  Node& n = nodes_[id];
  n.first = std::uint32_t(text_.size());
  n.size = std::uint32_t(text.size());
  text_.append(text);
}

void YamlTree::set_child(Id id, std::size_t index, Id child) {
  children_.at(nodes_[id].first + index) = child;
}

void YamlTree::erase_key(Id id, std::string_view key) {
  const auto entries = children(id);
  for (std::size_t i = 0; i + 1 < entries.size(); i += 2) {
    if (kind(entries[i]) != Kind::scalar || scalar(entries[i]) != key) continue;
    const auto begin = children_.begin() + nodes_[id].first;
    std::copy(begin + std::ptrdiff_t(i) + 2, begin + std::ptrdiff_t(entries.size()),
              begin + std::ptrdiff_t(i));
    nodes_[id].size -= 2;  // the last pair's slots stay unused
    return;
  }
}

YamlTree::Id YamlTree::import(const YamlTree& from, Id id) {
  std::unordered_map<Id, Id> copied;  // shared nodes of `from` stay shared here
  auto copy = [&](auto& self, Id source) -> Id {
    if (auto it = copied.find(source); it != copied.end()) return it->second;
    const Node& n = from.nodes_[source];
    const Id target = add_node(n.kind, n.line, n.column, tag_index(from.tag(source)), n.style);
    copied.emplace(source, target);
    if (n.kind == Kind::scalar) set_scalar(target, from.scalar(source));
    if (n.kind == Kind::sequence || n.kind == Kind::map) {
      std::vector<Id> children;
      children.reserve(n.size);
      for (const Id child : from.children(source))
        children.push_back(self(self, child));
      set_children(target, children);
    }
    return target;
  };
  return copy(copy, id);
}

std::size_t YamlTree::memory_bytes() const {
  std::size_t bytes = nodes_.capacity() * sizeof(Node) + children_.capacity() * sizeof(Id) +
                      text_.capacity() + tags_.capacity() * sizeof(std::string);
  for (const auto& tag : tags_)
    bytes += tag.capacity();
  return bytes;
}

YamlTree::Id YamlTree::add_node(Kind kind, std::uint32_t line, std::uint32_t column,
                                std::uint16_t tag, std::uint8_t style) {
  if (nodes_.size() >= std::numeric_limits<Id>::max()) throw std::length_error("too many nodes");
  Node n;
  n.line = line;
  n.column = column;
  n.tag = tag;
  n.kind = kind;
  n.style = style;
  nodes_.push_back(n);
  return Id(nodes_.size() - 1);
}

void YamlTree::set_children(Id id, std::span<const Id> children) {
  if (children_.size() + children.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("too many YAML nodes");
  }
  nodes_[id].first = std::uint32_t(children_.size());
  nodes_[id].size = std::uint32_t(children.size());
  children_.insert(children_.end(), children.begin(), children.end());
}

std::uint16_t YamlTree::tag_index(std::string_view tag) {
  for (std::size_t i = 0; i < tags_.size(); ++i) {
    if (tags_[i] == tag) return std::uint16_t(i);
  }
  return append_tag(tag);
}

std::uint16_t YamlTree::append_tag(std::string_view tag) {
  if (tags_.size() > std::numeric_limits<std::uint16_t>::max()) {
    throw std::length_error("more than 65535 distinct YAML tags");
  }
  tags_.emplace_back(tag);
  return std::uint16_t(tags_.size() - 1);
}

}  // namespace campus
