#pragma once
// A parsed YAML document as a compact tree: one array of fixed-size nodes, one array of child
// indices and one buffer of scalar text. yaml-cpp's own node tree spends several hundred bytes
// per node on reference-counted handles, maps and strings; a config of 10,000 checks has some
// 130,000 nodes, and that tree was the agent's peak memory. This tree is built from yaml-cpp's
// event API (YAML::Parser), so the grammar, the 500-level nesting guard and the error messages
// are yaml-cpp's own, and it keeps what the loader relies on: every node's position, plain and
// quoted scalars apart (their tags), null as its own kind, duplicate keys in document order, and
// aliases as shared nodes (an alias costs one index, never a copy).
//
// Not thread-safe for mutation; a const tree may be read from any thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/emitterstyle.h>

namespace campus {

class YamlTree {
 public:
  using Id = std::uint32_t;
  enum class Kind : std::uint8_t { null, scalar, sequence, map };

  /// Parses the first document of `text`. Throws YAML::Exception (YAML::DeepRecursion past 500
  /// levels) on a syntax error. An empty document is a null root without a position.
  static YamlTree parse(std::string_view text);

  /// The document's root (always present).
  static constexpr Id root() { return 0; }

  Kind kind(Id id) const { return nodes_[id].kind; }
  /// 1-based line and column where the node starts; 0 when it has no position.
  int line(Id id) const { return int(nodes_[id].line); }
  int column(Id id) const { return int(nodes_[id].column); }
  /// "?" for a plain scalar or collection, "!" for a quoted scalar, the resolved tag otherwise
  /// ("tag:yaml.org,2002:str" for `!!str`); empty for null.
  const std::string& tag(Id id) const { return tags_[nodes_[id].tag]; }
  /// How a collection was written (block or flow), for dumps.
  YAML::EmitterStyle::value style(Id id) const;
  /// A scalar's text; empty for anything else.
  std::string_view scalar(Id id) const;
  /// A sequence's items, or a map's keys and values alternating (key, value, key, value ...).
  std::span<const Id> children(Id id) const;
  /// The value of the first entry of map `id` whose key is the scalar `key`.
  std::optional<Id> find(Id id, std::string_view key) const;

  /// The subtree at `id` as YAML text, exactly as YAML::Dump would write the same nodes (shared
  /// nodes become anchors and aliases). `flow` writes it on one line.
  std::string dump(Id id, bool flow = false) const;

  /// Edits for recipe expansion. set_scalar keeps the node's kind, tag and position.
  void set_scalar(Id id, std::string_view text);
  /// Replaces child `index` of children(id) (for a map, 2*entry+1 is the entry's value).
  void set_child(Id id, std::size_t index, Id child);
  /// Removes the first entry of map `id` whose key is `key`.
  void erase_key(Id id, std::string_view key);
  /// Copies the subtree at `id` of `from` (another tree) into this one, positions included, and
  /// returns it.
  /// Nodes shared in `from` stay shared in the copy, so an alias bomb is not expanded.
  Id import(const YamlTree& from, Id id);

  /// Heap bytes held (for tests and measurements).
  std::size_t memory_bytes() const;

 private:
  friend class YamlTreeBuilder;

  struct Node {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::uint32_t first = 0;  ///< scalar: offset in text_; collection: offset in children_
    std::uint32_t size = 0;   ///< scalar: bytes; collection: children (a map's are pairs)
    std::uint16_t tag = 0;    ///< index in tags_
    Kind kind = Kind::null;
    std::uint8_t style = YAML::EmitterStyle::Default;  ///< how a collection was written
  };
  static_assert(sizeof(Node) == 20);

  Id add_node(Kind kind, std::uint32_t line, std::uint32_t column, std::uint16_t tag,
              std::uint8_t style);
  void set_children(Id id, std::span<const Id> children);
  /// The index of `tag` in tags_, added when new (a linear search: trees have few tags).
  std::uint16_t tag_index(std::string_view tag);
  /// Adds `tag`, known to be new, to tags_.
  std::uint16_t append_tag(std::string_view tag);

  std::vector<Node> nodes_;
  std::vector<Id> children_;
  std::string text_;
  std::vector<std::string> tags_{"", "?", "!"};  ///< distinct, and few
};

/// One node of a tree kept alive with it (a recipe parameter's default, say).
struct YamlSubtree {
  std::shared_ptr<const YamlTree> tree;
  YamlTree::Id id = YamlTree::root();

  bool is_null() const { return tree->kind(id) == YamlTree::Kind::null; }
  bool is_scalar() const { return tree->kind(id) == YamlTree::Kind::scalar; }
  std::string dump(bool flow = false) const { return tree->dump(id, flow); }
};

}  // namespace campus
