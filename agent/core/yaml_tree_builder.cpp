// YamlTree::parse: yaml-cpp's parser, feeding its events into the compact tree.

#include <istream>
#include <streambuf>
#include <unordered_map>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "core/yaml_tree.h"

namespace campus {
namespace {

// Reads the text in place: a config can be megabytes, and a string stream would copy it.
class TextStreamBuffer : public std::streambuf {
 public:
  explicit TextStreamBuffer(std::string_view text) {
    char* begin = const_cast<char*>(text.data());  // only ever read
    setg(begin, begin, begin + text.size());
  }
};

}  // namespace

// Builds the tree in document order. A collection's children arrive between its start and end
// events, interleaved with those of its nested collections; they wait on a stack (`pending_`)
// and are stored side by side when the collection ends, so each node's children are one range.
class YamlTreeBuilder : public YAML::EventHandler {
 public:
  explicit YamlTreeBuilder(YamlTree& tree) : tree_(tree) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    finished(add(YamlTree::Kind::null, mark, "", YAML::EmitterStyle::Default, anchor));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= anchors_.size() || anchors_[anchor] == kNone) {
      throw YAML::ParserException(mark, "unknown anchor");  // the parser refuses these first
    }
    finished(anchors_[anchor]);  // the anchored node itself, shared
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    const YamlTree::Id id =
        add(YamlTree::Kind::scalar, mark, tag, YAML::EmitterStyle::Default, anchor);
    tree_.set_scalar(id, value);
    finished(id);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    open(add(YamlTree::Kind::sequence, mark, tag, style, anchor));
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    open(add(YamlTree::Kind::map, mark, tag, style, anchor));
  }
  void OnMapEnd() override { close(); }

 private:
  static constexpr YamlTree::Id kNone = ~YamlTree::Id(0);

  struct Open {
    YamlTree::Id id;
    std::size_t first_pending;
  };

  YamlTree::Id add(YamlTree::Kind kind, const YAML::Mark& mark, const std::string& tag,
                   YAML::EmitterStyle::value style, YAML::anchor_t anchor) {
    const YamlTree::Id id = tree_.add_node(kind, mark.is_null() ? 0 : std::uint32_t(mark.line + 1),
                                           mark.is_null() ? 0 : std::uint32_t(mark.column + 1),
                                           tag_of(tag, mark), std::uint8_t(style));
    if (anchor != YAML::NullAnchor) {
      // The parser numbers anchors 1, 2, ... as it meets them; a redefined name gets a new one.
      if (anchor >= anchors_.size()) anchors_.resize(anchor + 1, kNone);
      anchors_[anchor] = id;
    }
    return id;
  }

  std::uint16_t tag_of(const std::string& tag, const YAML::Mark& mark) {
    if (auto it = tags_.find(tag); it != tags_.end()) return it->second;
    if (tags_.size() > 0xffff) throw YAML::ParserException(mark, "more than 65535 distinct tags");
    const std::uint16_t index = tree_.append_tag(tag);
    tags_.emplace(tag, index);
    return index;
  }

  void open(YamlTree::Id id) { open_.push_back(Open{id, pending_.size()}); }

  void close() {
    const Open done = open_.back();
    open_.pop_back();
    tree_.set_children(done.id,
                       std::span<const YamlTree::Id>(pending_).subspan(done.first_pending));
    pending_.resize(done.first_pending);
    finished(done.id);
  }

  // A complete node: a child of the innermost open collection (the root has none).
  void finished(YamlTree::Id id) {
    if (!open_.empty()) pending_.push_back(id);
  }

  YamlTree& tree_;
  std::vector<Open> open_;
  std::vector<YamlTree::Id> pending_;
  std::vector<YamlTree::Id> anchors_;
  std::unordered_map<std::string, std::uint16_t> tags_{{"", 0}, {"?", 1}, {"!", 2}};
};

YamlTree YamlTree::parse(std::string_view text) {
  TextStreamBuffer buffer(text);
  std::istream in(&buffer);
  YAML::Parser parser(in);
  YamlTree tree;
  YamlTreeBuilder builder(tree);
  if (!parser.HandleNextDocument(builder) || tree.nodes_.empty()) {
    tree.add_node(Kind::null, 0, 0, 0, YAML::EmitterStyle::Default);
  }
  tree.nodes_.shrink_to_fit();
  tree.children_.shrink_to_fit();
  tree.text_.shrink_to_fit();
  return tree;
}

}  // namespace campus
