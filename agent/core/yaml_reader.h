#pragma once
// Strict, error-gathering access to a parsed YAML document. Every accessor that finds the wrong
// shape records a Diagnostic naming the file, line and key path and returns nothing, so a loader
// can keep going and report every problem of a file at once. Unknown keys are errors: a typo in a
// campus config must never pass silently.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/diagnostic.h"
#include "core/yaml_tree.h"

namespace campus {

/// The file being read and where its problems go. Must outlive every YamlValue made from it.
struct YamlSource {
  std::string file;
  Diagnostics* diagnostics;
};

class YamlMapReader;

/// A node together with its key path and position. Cheap to copy: the values of one document
/// share its tree, which lives as long as any of them does.
class YamlValue {
 public:
  /// The node `id` of `tree`; `line` and `column` stand in when the node has no position.
  YamlValue(std::shared_ptr<const YamlTree> tree, YamlTree::Id id, std::string path,
            const YamlSource* source, int line, int column);

  /// Parses `text`; on a syntax error records it and returns nullopt.
  static std::optional<YamlValue> parse(std::string_view text, const YamlSource* source);

  const std::string& path() const { return path_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const YamlTree& tree() const { return *tree_; }
  const std::shared_ptr<const YamlTree>& shared_tree() const { return tree_; }
  YamlTree::Id id() const { return id_; }
  const YamlSource& source() const { return *source_; }

  void error(std::string_view message) const;

  bool is_null() const { return kind() == YamlTree::Kind::null; }
  bool is_map() const { return kind() == YamlTree::Kind::map; }
  bool is_list() const { return kind() == YamlTree::Kind::sequence; }
  bool is_scalar() const { return kind() == YamlTree::Kind::scalar; }
  /// A scalar's text as written (no diagnostic); empty for anything else.
  std::string_view scalar() const { return tree_->scalar(id_); }
  /// Whether this is a mapping with the key `key`.
  bool has_key(std::string_view key) const { return tree_->find(id_, key).has_value(); }
  /// The value as YAML text (what YAML::Dump writes for the same nodes).
  std::string dump() const { return tree_->dump(id_); }

  std::optional<std::string> string() const;
  /// A string that is not empty or blank.
  std::optional<std::string> text() const;
  std::optional<std::int64_t> integer(std::int64_t min, std::int64_t max) const;
  std::optional<double> number() const;
  std::optional<bool> boolean() const;
  std::optional<std::vector<std::string>> string_list() const;

  /// The items of a list; records "expected a list" and returns {} for anything else.
  std::vector<YamlValue> items() const;
  /// A reader over a mapping; records "expected a mapping" for anything else.
  YamlMapReader map() const;

 private:
  YamlTree::Kind kind() const { return tree_->kind(id_); }

  std::shared_ptr<const YamlTree> tree_;
  YamlTree::Id id_;
  std::string path_;
  const YamlSource* source_;
  int line_;
  int column_;
};

/// Reads the keys of one mapping. Call finish() once all known keys were asked for: every key
/// never asked for is reported as unknown.
class YamlMapReader {
 public:
  explicit YamlMapReader(const YamlValue& value);

  bool valid() const { return valid_; }
  /// The value under `key`, or nullopt when absent.
  std::optional<YamlValue> get(std::string_view key);
  /// Like get(), but records "missing required key" when absent.
  std::optional<YamlValue> required(std::string_view key);
  /// All entries in document order, each marked as known (for free-form maps such as labels).
  std::vector<std::pair<std::string, YamlValue>> entries();
  /// Reports unknown keys, suggesting the closest known one.
  void finish();

  const YamlValue& self() const { return self_; }

 private:
  struct Entry {
    std::string key;
    YamlValue value;
    int key_line = 0;
    int key_column = 0;
    bool used = false;
  };
  YamlValue self_;
  std::vector<Entry> entries_;
  std::vector<std::string> asked_;
  bool valid_ = false;
};

}  // namespace campus
