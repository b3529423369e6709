#include "config/recipes.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/embedded_recipes.h"

namespace campus {
namespace {

namespace fs = std::filesystem;

// One `{{ name }}` in a scalar: where it starts and ends, and the name.
struct Placeholder {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string name;
};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// The placeholders of `text`, in order; anything that is not `{{ name }}` is left as text.
std::vector<Placeholder> placeholders(std::string_view text) {
  std::vector<Placeholder> out;
  for (std::size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", at)) {
    std::size_t i = at + 2;
    while (i < text.size() && text[i] == ' ')
      ++i;
    const std::size_t name_begin = i;
    while (i < text.size() && is_name_char(text[i]))
      ++i;
    const std::size_t name_end = i;
    while (i < text.size() && text[i] == ' ')
      ++i;
    if (name_end > name_begin && text.substr(i, 2) == "}}") {
      out.push_back({at, i + 2, std::string(text.substr(name_begin, name_end - name_begin))});
      at = i + 2;
    } else {
      at += 2;
    }
  }
  return out;
}

void report(Diagnostics& diagnostics, const std::string& file, const YamlTree& tree,
            YamlTree::Id node, const std::string& path, const std::string& message) {
  diagnostics.error(file, tree.line(node), tree.column(node), path, message);
}

// A key as it appears in paths: its text, "null" for a null key, empty for anything else.
std::string key_text(const YamlTree& tree, YamlTree::Id key) {
  if (tree.kind(key) == YamlTree::Kind::null) return "null";
  return std::string(tree.scalar(key));
}

std::string param_names(const Recipe& recipe) {
  std::string names;
  for (const auto& p : recipe.params)
    names += (names.empty() ? "" : ", ") + p.name;
  return names.empty() ? "none" : names;
}

// Every placeholder of the recipe's check names one of its parameters.
void check_placeholders(const Recipe& recipe, const YamlTree& tree, YamlTree::Id node,
                        const std::string& path, Diagnostics& diagnostics) {
  const auto children = tree.children(node);
  switch (tree.kind(node)) {
    case YamlTree::Kind::scalar:
      for (const auto& p : placeholders(tree.scalar(node))) {
        if (!recipe.param(p.name)) {
          report(diagnostics, recipe.file, tree, node, path,
                 "{{" + p.name + "}} is not a parameter of recipe '" + recipe.name +
                     "' (its parameters: " + param_names(recipe) + ")");
        }
      }
      break;
    case YamlTree::Kind::map:
      for (std::size_t i = 0; i + 1 < children.size(); i += 2) {
        check_placeholders(recipe, tree, children[i + 1], path + "." + key_text(tree, children[i]),
                           diagnostics);
      }
      break;
    case YamlTree::Kind::sequence:
      for (std::size_t i = 0; i < children.size(); ++i) {
        check_placeholders(recipe, tree, children[i], path + "[" + std::to_string(i) + "]",
                           diagnostics);
      }
      break;
    case YamlTree::Kind::null:
      break;
  }
}

using Values = std::map<std::string, YamlSubtree, std::less<>>;

// The value that replaces `node` when it is a whole placeholder of a non-scalar value.
std::optional<YamlSubtree> whole_value(const YamlTree& tree, YamlTree::Id node,
                                       const Values& values) {
  if (tree.kind(node) != YamlTree::Kind::scalar) return std::nullopt;
  const std::string_view text = tree.scalar(node);
  const auto found = placeholders(text);
  if (found.size() != 1 || found[0].begin != 0 || found[0].end != text.size()) {
    return std::nullopt;
  }
  auto it = values.find(found[0].name);
  if (it == values.end() || it->second.is_scalar()) return std::nullopt;
  return it->second;  // a list, a mapping, or null (an optional parameter left out)
}

// Fills in the placeholders under `node`. A scalar that is one placeholder takes the value's
// nodes (so a list or mapping can be passed); placeholders inside text take scalar values.
// Nodes taken from values keep their own positions.
void substitute(YamlTree& tree, YamlTree::Id node, const Values& values, const Recipe& recipe,
                const std::string& path, Diagnostics& diagnostics) {
  const YamlTree::Kind kind = tree.kind(node);
  if (kind == YamlTree::Kind::scalar) {
    const std::string text(tree.scalar(node));
    const auto found = placeholders(text);
    if (found.empty()) return;
    std::string out;
    std::size_t at = 0;
    for (const auto& p : found) {
      out.append(text, at, p.begin - at);
      at = p.end;
      auto it = values.find(p.name);
      if (it == values.end()) {
        out.append(text, p.begin, p.end - p.begin);  // reported when the recipe was read
      } else if (it->second.is_scalar()) {
        out += it->second.tree->scalar(it->second.id);
      } else if (!it->second.is_null()) {
        report(diagnostics, recipe.file, tree, node, path,
               "{{" + p.name +
                   "}} stands inside text here, so its value must be a single value, "
                   "not a list or mapping");
      }
    }
    out.append(text, at, std::string::npos);
    tree.set_scalar(node, out);  // keeps the node's place in the recipe file
    return;
  }
  // Children are read by index: importing a value may move the tree's arrays.
  const std::size_t count = tree.children(node).size();
  if (kind == YamlTree::Kind::map) {
    std::vector<std::string> unset;  // keys whose whole value is an optional parameter left out
    for (std::size_t i = 0; i + 1 < count; i += 2) {
      const std::string key = key_text(tree, tree.children(node)[i]);
      const YamlTree::Id entry = tree.children(node)[i + 1];
      if (auto value = whole_value(tree, entry, values)) {
        if (value->is_null()) {
          unset.push_back(key);
        } else {
          tree.set_child(node, i + 1, tree.import(*value->tree, value->id));
        }
      } else {
        substitute(tree, entry, values, recipe, path + "." + key, diagnostics);
      }
    }
    for (const auto& key : unset)
      tree.erase_key(node, key);
  } else if (kind == YamlTree::Kind::sequence) {
    for (std::size_t i = 0; i < count; ++i) {
      const YamlTree::Id item = tree.children(node)[i];
      if (auto value = whole_value(tree, item, values)) {
        tree.set_child(node, i, tree.import(*value->tree, value->id));
      } else {
        substitute(tree, item, values, recipe, path + "[" + std::to_string(i) + "]", diagnostics);
      }
    }
  }
}

std::optional<std::vector<std::string>> read_strings(YamlMapReader& r, std::string_view key) {
  if (auto v = r.get(key)) return v->string_list();
  return std::nullopt;
}

}  // namespace

const RecipeParam* Recipe::param(std::string_view wanted) const {
  for (const auto& p : params) {
    if (p.name == wanted) return &p;
  }
  return nullptr;
}

void RecipeBook::add(std::string file, std::string text, Diagnostics& diagnostics) {
  const YamlSource source{file, &diagnostics};
  auto root = YamlValue::parse(text, &source);
  if (!root) return;
  const std::size_t before = diagnostics.size();
  auto recipe = std::make_shared<Recipe>();
  recipe->file = file;
  auto r = root->map();
  if (!r.valid()) return;
  if (auto v = r.required("recipe")) recipe->name = v->text().value_or("");
  if (auto v = r.required("summary")) recipe->summary = v->text().value_or("");
  if (auto v = r.get("system")) recipe->system = v->text().value_or("");
  recipe->products = read_strings(r, "products").value_or(std::vector<std::string>{});
  recipe->indicators = read_strings(r, "indicators").value_or(std::vector<std::string>{});
  recipe->confirm = read_strings(r, "confirm").value_or(std::vector<std::string>{});
  if (auto v = r.get("params")) {
    auto pr = v->map();
    for (auto& [name, entry] : pr.entries()) {
      RecipeParam param{name, "", std::nullopt};
      if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
        entry.error("parameter names may use only a-z, 0-9 and _, got '" + name + "'");
      }
      auto er = entry.map();
      if (auto d = er.required("description")) param.description = d->text().value_or("");
      if (auto d = er.get("default")) param.default_value = YamlSubtree{d->shared_tree(), d->id()};
      er.finish();
      recipe->params.push_back(std::move(param));
    }
  }
  auto check = r.required("check");
  if (check && !check->is_map()) check->error("expected a mapping");
  r.finish();
  const std::string stem = fs::path(file).stem().string();
  if (!recipe->name.empty() && recipe->name != stem) {
    diagnostics.error(file, 1, 1, "recipe",
                      "the recipe is named '" + recipe->name + "' but its file '" + stem +
                          ".yaml': name the file after the recipe");
  }
  if (check && check->is_map()) {
    check_placeholders(*recipe, check->tree(), check->id(), "check", diagnostics);
  }
  if (diagnostics.size() != before || recipe->name.empty()) return;
  recipe->text = std::move(text);
  recipes_[recipe->name] = std::move(recipe);
}

const RecipeBook& RecipeBook::builtin() {
  static const RecipeBook book = [] {
    Diagnostics ignored;  // the built-in recipes are tested to load without problems
    return load({}, nullptr, ignored);
  }();
  return book;
}

RecipeBook RecipeBook::load(const std::vector<std::string>& dirs, const YamlValue* where,
                            Diagnostics& diagnostics) {
  RecipeBook book;
  for (const auto& file : embedded_recipe_files())
    book.add(std::string(file.name), std::string(file.content), diagnostics);
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      if (where) where->error("recipe directory " + dir + " does not exist");
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      book.add(path.string(), text.str(), diagnostics);
    }
  }
  return book;
}

const Recipe* RecipeBook::find(std::string_view name) const {
  auto it = recipes_.find(name);
  return it == recipes_.end() ? nullptr : it->second.get();
}

std::vector<const Recipe*> RecipeBook::all() const {
  std::vector<const Recipe*> out;
  for (const auto& [name, recipe] : recipes_)
    out.push_back(recipe.get());
  return out;
}

std::string RecipeBook::names() const {
  std::string out;
  for (const auto& [name, recipe] : recipes_)
    out += (out.empty() ? "" : ", ") + name;
  return out;
}

RecipeExpansion expand_recipe(const Recipe& recipe, const YamlValue& use,
                              const std::optional<YamlValue>& with, const std::string& path,
                              Diagnostics& diagnostics) {
  RecipeExpansion expansion;
  const std::size_t before = diagnostics.size();
  Values values;
  if (with) {
    auto r = with->map();
    for (auto& [name, value] : r.entries()) {
      if (!recipe.param(name)) {
        value.error("recipe '" + recipe.name + "' has no parameter '" + name +
                    "' (its parameters: " + param_names(recipe) + ")");
        continue;
      }
      values[name] = YamlSubtree{value.shared_tree(), value.id()};
    }
  }
  for (const auto& p : recipe.params) {
    if (values.count(p.name)) continue;
    if (p.default_value) {
      values[p.name] = *p.default_value;  // copied into the expansion, never changed
    } else {
      (with ? *with : use)
          .error("recipe '" + recipe.name + "' needs with." + p.name + ": " + p.description);
    }
  }
  if (diagnostics.size() != before) return expansion;
  expansion.source = std::make_unique<YamlSource>(YamlSource{recipe.file, &diagnostics});
  // A fresh parse: this use's nodes, each still marked with its place in the recipe file. The
  // text parsed when the recipe was read, so it parses again.
  std::shared_ptr<YamlTree> tree;
  try {
    tree = std::make_shared<YamlTree>(YamlTree::parse(recipe.text));
  } catch (const std::exception& e) {
    diagnostics.error(recipe.file, 0, 0, path, std::string("cannot parse the recipe: ") + e.what());
    return expansion;
  }
  const auto check = tree->find(YamlTree::root(), "check");
  if (!check) return expansion;
  substitute(*tree, *check, values, recipe, path, diagnostics);
  if (diagnostics.size() != before) return expansion;
  expansion.check = YamlValue(std::move(tree), *check, path, expansion.source.get(), 0, 0);
  return expansion;
}

}  // namespace campus
