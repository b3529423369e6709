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

void report(Diagnostics& diagnostics, const std::string& file, const YAML::Node& node,
            const std::string& path, const std::string& message) {
  const auto mark = node.Mark();
  diagnostics.error(file, mark.is_null() ? 0 : mark.line + 1, mark.is_null() ? 0 : mark.column + 1,
                    path, message);
}

std::string param_names(const Recipe& recipe) {
  std::string names;
  for (const auto& p : recipe.params)
    names += (names.empty() ? "" : ", ") + p.name;
  return names.empty() ? "none" : names;
}

// Every placeholder of the recipe's check names one of its parameters.
void check_placeholders(const Recipe& recipe, const YAML::Node& node, const std::string& path,
                        Diagnostics& diagnostics) {
  if (node.IsScalar()) {
    for (const auto& p : placeholders(node.Scalar())) {
      if (!recipe.param(p.name)) {
        report(diagnostics, recipe.file, node, path,
               "{{" + p.name + "}} is not a parameter of recipe '" + recipe.name +
                   "' (its parameters: " + param_names(recipe) + ")");
      }
    }
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      check_placeholders(recipe, entry.second, path + "." + entry.first.as<std::string>(""),
                         diagnostics);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      check_placeholders(recipe, node[i], path + "[" + std::to_string(i) + "]", diagnostics);
  }
}

using Values = std::map<std::string, YAML::Node, std::less<>>;

// Fills in the placeholders under `node`. A scalar that is one placeholder takes the value's
// node (so a list or mapping can be passed); placeholders inside text take scalar values.
void substitute(YAML::Node node, const Values& values, const Recipe& recipe,
                const std::string& path, Diagnostics& diagnostics);

// The node that replaces `node` when it is a whole placeholder of a non-scalar value.
std::optional<YAML::Node> whole_value(const YAML::Node& node, const Values& values) {
  if (!node.IsScalar()) return std::nullopt;
  const auto found = placeholders(node.Scalar());
  if (found.size() != 1 || found[0].begin != 0 || found[0].end != node.Scalar().size()) {
    return std::nullopt;
  }
  auto it = values.find(found[0].name);
  if (it == values.end() || it->second.IsScalar()) return std::nullopt;
  return it->second;  // a list, a mapping, or null (an optional parameter left out)
}

void substitute(YAML::Node node, const Values& values, const Recipe& recipe,
                const std::string& path, Diagnostics& diagnostics) {
  if (node.IsScalar()) {
    const std::string text = node.Scalar();
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
      } else if (it->second.IsScalar()) {
        out += it->second.Scalar();
      } else if (!it->second.IsNull()) {
        report(diagnostics, recipe.file, node, path,
               "{{" + p.name +
                   "}} stands inside text here, so its value must be a single value, "
                   "not a list or mapping");
      }
    }
    out.append(text, at, std::string::npos);
    node = out;  // keeps the node's place in the recipe file
    return;
  }
  if (node.IsMap()) {
    std::vector<std::string> unset;  // keys whose whole value is an optional parameter left out
    for (auto entry : node) {
      const std::string key = entry.first.as<std::string>("");
      if (auto value = whole_value(entry.second, values)) {
        if (value->IsNull()) {
          unset.push_back(key);
        } else {
          entry.second = *value;
        }
      } else {
        substitute(entry.second, values, recipe, path + "." + key, diagnostics);
      }
    }
    for (const auto& key : unset)
      node.remove(key);
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      YAML::Node item = node[i];
      if (auto value = whole_value(item, values)) {
        item = *value;
      } else {
        substitute(item, values, recipe, path + "[" + std::to_string(i) + "]", diagnostics);
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
      if (auto d = er.get("default")) param.default_value = d->node();
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
  if (check && check->is_map()) check_placeholders(*recipe, check->node(), "check", diagnostics);
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
      values[name] = value.node();
    }
  }
  for (const auto& p : recipe.params) {
    if (values.count(p.name)) continue;
    if (p.default_value) {
      values[p.name] = YAML::Clone(*p.default_value);
    } else {
      (with ? *with : use)
          .error("recipe '" + recipe.name + "' needs with." + p.name + ": " + p.description);
    }
  }
  if (diagnostics.size() != before) return expansion;
  expansion.source = std::make_unique<YamlSource>(YamlSource{recipe.file, &diagnostics});
  // A fresh parse: this use's nodes, each still marked with its place in the recipe file.
  auto root = YamlValue::parse(recipe.text, expansion.source.get());
  if (!root) return expansion;
  YAML::Node check = root->node()["check"];
  substitute(check, values, recipe, path, diagnostics);
  if (diagnostics.size() != before) return expansion;
  expansion.check = YamlValue(check, path, expansion.source.get(), 0, 0);
  return expansion;
}

}  // namespace campus
