#include "core/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/exceptions.h>

namespace campus {
namespace {

std::string child_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

// Levenshtein distance, for "did you mean" on unknown keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

YamlValue::YamlValue(std::shared_ptr<const YamlTree> tree, YamlTree::Id id, std::string path,
                     const YamlSource* source, int line, int column)
    : tree_(std::move(tree)),
      id_(id),
      path_(std::move(path)),
      source_(source),
      line_(tree_->line(id) ? tree_->line(id) : line),
      column_(tree_->line(id) ? tree_->column(id) : column) {}

std::optional<YamlValue> YamlValue::parse(std::string_view text, const YamlSource* source) {
  try {
    auto tree = std::make_shared<const YamlTree>(YamlTree::parse(text));
    return YamlValue(std::move(tree), YamlTree::root(), "", source, 1, 1);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp says only "bad file" for this.
    source->diagnostics->error(source->file, e.mark.is_null() ? 0 : e.mark.line + 1,
                               e.mark.is_null() ? 0 : e.mark.column + 1, "",
                               "YAML nested more than " + std::to_string(e.depth()) +
                                   " levels deep: a config never needs that");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    source->diagnostics->error(source->file, e.mark.is_null() ? 0 : e.mark.line + 1,
                               e.mark.is_null() ? 0 : e.mark.column + 1, "",
                               "YAML syntax error: " + e.msg);
    return std::nullopt;
  } catch (const std::length_error& e) {  // beyond what the tree's 32-bit indices hold
    source->diagnostics->error(source->file, 0, 0, "", std::string("YAML too large: ") + e.what());
    return std::nullopt;
  }
}

void YamlValue::error(std::string_view message) const {
  source_->diagnostics->error(source_->file, line_, column_, path_, message);
}

std::optional<std::string> YamlValue::string() const {
  if (!is_scalar()) {
    error("expected a string");
    return std::nullopt;
  }
  return std::string(scalar());
}

std::optional<std::string> YamlValue::text() const {
  auto s = string();
  if (s && s->find_first_not_of(" \t\r\n") == std::string::npos) {
    error("must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> YamlValue::integer(std::int64_t min, std::int64_t max) const {
  if (is_scalar()) {
    const std::string_view s = scalar();
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size()) {
      if (v < min || v > max) {
        error("expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
              ", got " + std::string(s));
        return std::nullopt;
      }
      return v;
    }
  }
  error("expected an integer");
  return std::nullopt;
}

std::optional<double> YamlValue::number() const {
  if (is_scalar()) {
    const std::string_view s = scalar();
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size() && std::isfinite(v)) return v;
  }
  error("expected a number");
  return std::nullopt;
}

std::optional<bool> YamlValue::boolean() const {
  if (is_scalar()) {
    const std::string_view s = scalar();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  error("expected true or false");
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlValue::string_list() const {
  if (!is_list()) {
    error("expected a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& item : items()) {
    if (!item.is_scalar()) {
      item.error("expected a string");
      ok = false;
      continue;
    }
    out.emplace_back(item.scalar());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::vector<YamlValue> YamlValue::items() const {
  std::vector<YamlValue> out;
  if (!is_list()) {
    error("expected a list");
    return out;
  }
  const auto children = tree_->children(id_);
  out.reserve(children.size());
  std::size_t i = 0;
  for (const YamlTree::Id child : children) {
    out.emplace_back(tree_, child, path_ + "[" + std::to_string(i++) + "]", source_, line_,
                     column_);
  }
  return out;
}

YamlMapReader YamlValue::map() const {
  return YamlMapReader(*this);
}

YamlMapReader::YamlMapReader(const YamlValue& value) : self_(value) {
  if (!value.is_map()) {
    value.error("expected a mapping");
    return;
  }
  valid_ = true;
  const YamlTree& tree = value.tree();
  const auto children = tree.children(value.id());
  entries_.reserve(children.size() / 2);
  for (std::size_t i = 0; i + 1 < children.size(); i += 2) {
    const YamlValue key_value(value.shared_tree(), children[i], value.path(), &value.source(),
                              value.line(), value.column());
    if (!key_value.is_scalar()) {
      key_value.error("keys must be strings");
      continue;
    }
    std::string key(key_value.scalar());
    const int line = key_value.line();
    const int column = key_value.column();
    bool duplicate =
        std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
    YamlValue child(value.shared_tree(), children[i + 1], child_path(value.path(), key),
                    &value.source(), line, column);
    if (duplicate) {
      YamlValue(value.shared_tree(), children[i], child.path(), &value.source(), line, column)
          .error("duplicate key");
      continue;
    }
    entries_.push_back(Entry{std::move(key), std::move(child), line, column});
  }
}

std::optional<YamlValue> YamlMapReader::get(std::string_view key) {
  asked_.emplace_back(key);
  for (auto& e : entries_) {
    if (e.key == key) {
      e.used = true;
      return e.value;
    }
  }
  return std::nullopt;
}

std::optional<YamlValue> YamlMapReader::required(std::string_view key) {
  auto v = get(key);
  if (!v && valid_) {
    self_.source().diagnostics->error(self_.source().file, self_.line(), self_.column(),
                                      child_path(self_.path(), key), "missing required key");
  }
  return v;
}

std::vector<std::pair<std::string, YamlValue>> YamlMapReader::entries() {
  std::vector<std::pair<std::string, YamlValue>> out;
  for (auto& e : entries_) {
    e.used = true;
    out.emplace_back(e.key, e.value);
  }
  return out;
}

void YamlMapReader::finish() {
  for (const auto& e : entries_) {
    if (e.used) continue;
    std::string message = "unknown key '" + e.key + "'";
    const std::string* best = nullptr;
    std::size_t best_distance = 3;  // suggest only close matches
    for (const auto& known : asked_) {
      const std::size_t d = edit_distance(e.key, known);
      if (d < best_distance) {
        best_distance = d;
        best = &known;
      }
    }
    if (best) message += " (did you mean '" + *best + "'?)";
    e.value.source().diagnostics->error(e.value.source().file, e.key_line, e.key_column,
                                        e.value.path(), message);
  }
}

}  // namespace campus
