#include "core/yaml_tree.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include "core/yaml_json.h"
#include "core/yaml_reader.h"

using campus::Diagnostics;
using campus::YamlSource;
using campus::YamlTree;
using campus::YamlValue;

namespace {

// The compact tree holds what yaml-cpp's own tree holds: kinds, scalars, tags, positions, the
// order of entries (duplicates included) and which nodes are one node reached twice.
void expect_same_as_yaml_cpp(const YAML::Node& node, const YamlTree& tree, YamlTree::Id id,
                             const std::string& where) {
  INFO(where);
  REQUIRE(node.IsDefined());
  CHECK(tree.line(id) == node.Mark().line + 1);
  CHECK(tree.column(id) == node.Mark().column + 1);
  switch (node.Type()) {
    case YAML::NodeType::Null:
      CHECK(tree.kind(id) == YamlTree::Kind::null);
      break;
    case YAML::NodeType::Scalar:
      REQUIRE(tree.kind(id) == YamlTree::Kind::scalar);
      CHECK(tree.scalar(id) == node.Scalar());
      CHECK(tree.tag(id) == node.Tag());
      break;
    case YAML::NodeType::Sequence: {
      REQUIRE(tree.kind(id) == YamlTree::Kind::sequence);
      CHECK(tree.tag(id) == node.Tag());
      const auto items = tree.children(id);
      REQUIRE(items.size() == node.size());
      for (std::size_t i = 0; i < items.size(); ++i)
        expect_same_as_yaml_cpp(node[i], tree, items[i], where + "[" + std::to_string(i) + "]");
      break;
    }
    case YAML::NodeType::Map: {
      REQUIRE(tree.kind(id) == YamlTree::Kind::map);
      CHECK(tree.tag(id) == node.Tag());
      const auto entries = tree.children(id);
      REQUIRE(entries.size() == 2 * node.size());
      std::size_t i = 0;
      for (const auto& kv : node) {
        expect_same_as_yaml_cpp(kv.first, tree, entries[i], where + " key");
        expect_same_as_yaml_cpp(kv.second, tree, entries[i + 1], where + "." + kv.first.Scalar());
        i += 2;
      }
      break;
    }
    case YAML::NodeType::Undefined:
      FAIL("undefined node");
  }
}

const char* const kSampleDocument =
    "agent: {listen: 127.0.0.1:9115, concurrency: 8}\n"
    "plain: 3\n"
    "quoted: \"3\"\n"
    "single: 'it''s'\n"
    "tagged: !!str 3\n"
    "custom: !thing {a: 1}\n"
    "nothing: ~\n"
    "empty:\n"
    "word_null: null\n"
    "quoted_null: \"null\"\n"
    "folded: >\n"
    "  two\n"
    "  lines\n"
    "literal: |\n"
    "  kept\n"
    "  lines\n"
    "checks:\n"
    "  - id: a\n"
    "    params: &shared\n"
    "      tls: {ca_file: /etc/ca.pem}\n"
    "      headers: [x, 'y', \"z\"]\n"
    "  - id: b\n"
    "    params: *shared\n"
    "  -\n"
    "  - [nested, [deeper, {k: v}]]\n"
    "dup: 1\n"
    "dup: 2\n"
    "? complex\n"
    ": value\n"
    "\"key with spaces\": 中文\n";

}  // namespace

TEST_CASE("the compact tree holds what yaml-cpp's node tree holds") {
  const YamlTree tree = YamlTree::parse(kSampleDocument);
  expect_same_as_yaml_cpp(YAML::Load(kSampleDocument), tree, YamlTree::root(), "root");
}

TEST_CASE("the compact tree dumps as YAML::Dump writes the same document") {
  const YamlTree tree = YamlTree::parse(kSampleDocument);
  const YAML::Node node = YAML::Load(kSampleDocument);
  CHECK(tree.dump(YamlTree::root()) == YAML::Dump(node));
  YAML::Emitter flow;
  flow << YAML::Flow << node["checks"];
  CHECK(tree.dump(*tree.find(YamlTree::root(), "checks"), true) == flow.c_str());
}

TEST_CASE("positions are 1-based lines and columns of where each node starts") {
  const YamlTree tree = YamlTree::parse("a: x\nb:\n  - 1\n  - {c: 'q'}\n");
  const auto b = tree.find(YamlTree::root(), "b");
  REQUIRE(b);
  CHECK(tree.line(*b) == 3);
  CHECK(tree.column(*b) == 3);
  const auto map = tree.children(*b)[1];
  CHECK(tree.line(map) == 4);
  CHECK(tree.column(map) == 5);
  const auto q = tree.find(map, "c");
  REQUIRE(q);
  CHECK(tree.column(*q) == 9);
  CHECK(tree.tag(*q) == "!");
  CHECK(tree.scalar(*q) == "q");
}

TEST_CASE("an empty document is a null root without a position") {
  for (const char* text : {"", "# only a comment\n"}) {
    const YamlTree tree = YamlTree::parse(text);
    CHECK(tree.kind(YamlTree::root()) == YamlTree::Kind::null);
    CHECK(tree.line(YamlTree::root()) == 0);
    Diagnostics diagnostics;
    YamlSource source{"e.yaml", &diagnostics};
    auto root = YamlValue::parse(text, &source);
    REQUIRE(root);
    CHECK(root->is_null());
    CHECK(root->line() == 1);
  }
}

TEST_CASE("only the first document of a stream is read") {
  const YamlTree tree = YamlTree::parse("a: 1\n---\nb: 2\n");
  CHECK(tree.find(YamlTree::root(), "a"));
  CHECK_FALSE(tree.find(YamlTree::root(), "b"));
}

TEST_CASE("an alias is the anchored node itself, not a copy") {
  const YamlTree tree = YamlTree::parse("a: &x {k: v}\nb: *x\nc: &x 2\nd: *x\n");
  const auto a = tree.find(YamlTree::root(), "a");
  const auto b = tree.find(YamlTree::root(), "b");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);
  const auto d = tree.find(YamlTree::root(), "d");
  REQUIRE(d);
  CHECK(tree.scalar(*d) == "2");  // a redefined anchor names its latest node
}

TEST_CASE("an alias bomb costs its lines, and its expansion is refused") {
  std::string yaml = "l0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 9; ++i) {
    yaml += "l" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k)
      yaml += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    yaml += "]\n";
  }
  Diagnostics diagnostics;
  YamlSource source{"bomb.yaml", &diagnostics};
  auto root = YamlValue::parse(yaml, &source);
  REQUIRE(root);
  CHECK(root->tree().memory_bytes() < 4096);
  CHECK_THROWS_WITH_AS(campus::yaml_to_json(*root),
                       "the value expands to more than 100000 nodes (YAML aliases repeating "
                       "themselves?)",
                       std::length_error);
  // The dump writes each shared node once, then aliases, as YAML::Dump does.
  CHECK(root->dump() == YAML::Dump(YAML::Load(yaml)));
}

TEST_CASE("JSON from the tree nests at most 64 levels") {
  Diagnostics diagnostics;
  YamlSource source{"deep.yaml", &diagnostics};
  auto deep = YamlValue::parse(std::string(70, '[') + std::string(70, ']'), &source);
  REQUIRE(deep);
  CHECK_THROWS_WITH_AS(campus::yaml_to_json(*deep), "the value nests deeper than 64 levels",
                       std::length_error);
  auto ok = YamlValue::parse(std::string(60, '[') + std::string(60, ']'), &source);
  REQUIRE(ok);
  CHECK_NOTHROW(campus::yaml_to_json(*ok));
}

TEST_CASE("JSON from the tree keeps YAML's scalar meanings") {
  Diagnostics diagnostics;
  YamlSource source{"j.yaml", &diagnostics};
  auto root = YamlValue::parse(
      "{t: true, q: \"true\", i: 42, h: 0x1F, d: 2.5, inf: .inf, s: '7', n: ~, tag: !!str 5, "
      "list: [1, x]}",
      &source);
  REQUIRE(root);
  auto json = campus::yaml_to_json(*root);
  CHECK(std::isinf(json["inf"].get<double>()));
  json.erase("inf");
  CHECK(json == nlohmann::json::parse(R"({"t": true, "q": "true", "i": 42, "h": 31, "d": 2.5,
          "s": "7", "n": null, "tag": 5, "list": [1, "x"]})"));
}

TEST_CASE("YAML nested past 500 levels is refused with the reason and the place") {
  Diagnostics diagnostics;
  YamlSource source{"n.yaml", &diagnostics};
  CHECK_FALSE(YamlValue::parse("a: " + std::string(600, '[') + std::string(600, ']'), &source));
  CHECK(diagnostics.str().find("n.yaml:1:") == 0);
  CHECK(
      diagnostics.str().find("YAML nested more than 500 levels deep: a config never needs that") !=
      std::string::npos);
}

TEST_CASE("a syntax error names its line and column") {
  Diagnostics diagnostics;
  YamlSource source{"s.yaml", &diagnostics};
  CHECK_FALSE(YamlValue::parse("a: 1\nb: *missing\n", &source));
  CHECK(diagnostics.str() ==
        "s.yaml:2:4: YAML syntax error: the referenced anchor is not defined\n");
}

TEST_CASE("edits for recipes keep positions and sharing") {
  YamlTree tree = YamlTree::parse("a: x\nb: \"{{value}}\"\nc: 1\n");
  const YamlTree other = YamlTree::parse("v: &s [1, 2]\nw: [*s, *s]\n");
  const auto a = *tree.find(YamlTree::root(), "a");
  tree.set_scalar(a, "replaced");
  CHECK(tree.scalar(a) == "replaced");
  CHECK(tree.line(a) == 1);
  CHECK(tree.column(a) == 4);

  const auto w = *other.find(YamlTree::root(), "w");
  const auto copy = tree.import(other, w);
  tree.set_child(YamlTree::root(), 3, copy);
  const auto b = *tree.find(YamlTree::root(), "b");
  CHECK(b == copy);
  CHECK(tree.line(b) == 2);  // where the value was written in its own document
  CHECK(tree.children(b)[0] == tree.children(b)[1]);

  tree.erase_key(YamlTree::root(), "a");
  CHECK_FALSE(tree.find(YamlTree::root(), "a"));
  CHECK(tree.children(YamlTree::root()).size() == 4);
  CHECK(tree.dump(YamlTree::root()) == YAML::Dump(YAML::Load("b: [&s [1, 2], *s]\nc: 1")));
}

TEST_CASE("the tree takes a small part of what yaml-cpp's takes") {
  std::string yaml = "checks:\n";
  for (int i = 0; i < 1000; ++i) {
    yaml += "  - {id: c" + std::to_string(i) +
            ", probe: http, target: \"http://127.0.0.1:8080/status.json\", params: {tls: "
            "{ca_file: \"/etc/ssl/ca.pem\"}}}\n";
  }
  const YamlTree tree = YamlTree::parse(yaml);
  // 13 nodes a check: about 20 bytes each, 4 more for its place in its parent, and the text.
  CHECK(tree.memory_bytes() < 1000 * 13 * 24 + yaml.size());
}
