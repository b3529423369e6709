// Recipes: a check written as `recipe: NAME` with `with: {...}` expands to the recipe's check
// when the config loads; problems name the use, the recipe file and its line.

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "config/recipes.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"

using namespace campus;
namespace fs = std::filesystem;

namespace {

// A campus's own recipe directory with one recipe, and loading configs that use it.
struct RecipeFixture {
  Catalog catalog = Catalog::builtin();
  ProbeRegistry probes = ProbeRegistry::builtin();
  fs::path dir = fs::temp_directory_path() / ("campus-recipes-" + std::to_string(::getpid()));
  std::optional<CheckPlan> plan;

  RecipeFixture() {
    fs::create_directories(dir);
    write("portal-page.yaml",
          "recipe: portal-page\n"
          "summary: A portal page answers with the expected text.\n"
          "system: website\n"
          "indicators: [H-3.4.3.1]\n"
          "params:\n"
          "  site: {description: the site's base URL}\n"
          "  path: {description: the page, default: /}\n"
          "  text: {description: text the page must contain}\n"
          "  statuses: {description: accepted statuses, default: [200]}\n"
          "  proxy: {description: an HTTP proxy, default: null}\n"
          "check:\n"
          "  probe: http\n"
          "  target: \"{{site}}{{path}}\"\n"
          "  interval: 5m\n"
          "  labels: {system: website}\n"
          "  params:\n"
          "    body_must_match: \"{{text}}\"\n"
          "    valid_status: \"{{statuses}}\"\n"
          "    proxy: \"{{proxy}}\"\n");
  }
  ~RecipeFixture() { fs::remove_all(dir); }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
  }
  std::string header() const { return "agent: {recipe_dirs: [\"" + dir.string() + "\"]}\n"; }

  std::string load(const std::string& text) {
    Diagnostics d;
    plan = load_plan_text("campus.yaml", header() + text, {catalog}, probes, d);
    return d.str();
  }
  std::string recipe_file() const { return (dir / "portal-page.yaml").string(); }
};

}  // namespace

TEST_CASE_FIXTURE(RecipeFixture, "a recipe use expands to the recipe's check, with its values") {
  CHECK(load("checks:\n  - id: news\n    recipe: portal-page\n"
             "    with: {site: \"https://www.example.edu.cn\", path: /xwzx/, text: 通知公告,"
             " statuses: [200, 304]}\n    indicators: [H-3.4.3.1]\n    interval: 1m\n") == "");
  REQUIRE(plan);
  const auto& check = **plan->find("news");
  CHECK(check.recipe == "portal-page");
  CHECK(check.probe_type == "http");
  CHECK(check.target == "https://www.example.edu.cn/xwzx/");
  CHECK(check.interval == std::chrono::minutes(1));  // the use's own key wins
  CHECK(check.labels.at("system") == "website");     // the recipe's key where the use has none
  CHECK(check.indicators == std::vector<std::string>{"H-3.4.3.1"});
  // A list value replaces a whole placeholder; an optional parameter left out drops its key.
  CHECK(check.recipe_expansion.find("valid_status: [200, 304]") != std::string::npos);
  CHECK(check.recipe_expansion.find("proxy") == std::string::npos);
  CHECK(check.recipe_expansion.find("body_must_match: 通知公告") != std::string::npos);
}

TEST_CASE_FIXTURE(RecipeFixture,
                  "recipe problems name the use, and the recipe line for its parts") {
  const std::string use = "checks:\n  - id: news\n    recipe: portal-page\n";
  CHECK(load("checks:\n  - id: news\n    recipe: portal-pge\n    with: {}\n")
            .find("campus.yaml:4:13: checks[0].recipe: unknown recipe 'portal-pge' (known: ") == 0);
  CHECK(load(use + "    with: {site: \"https://x/\", txt: a}\n") ==
        "campus.yaml:5:37: checks[0].with.txt: recipe 'portal-page' has no parameter 'txt' (its "
        "parameters: site, path, text, statuses, proxy)\n"
        "campus.yaml:5:11: checks[0].with: recipe 'portal-page' needs with.text: text the page "
        "must contain\n");
  CHECK(load(use) ==
        "campus.yaml:3:5: checks[0]: recipe 'portal-page' needs with.site: the "
        "site's base URL\ncampus.yaml:3:5: checks[0]: recipe 'portal-page' needs "
        "with.text: text the page must contain\n");
  // A value the recipe's probe refuses: the recipe's line, and which check used it where.
  CHECK(load(use + "    with: {site: \"https://x\", text: \"(unclosed\"}\n") ==
        recipe_file() +
            ":17:22: checks[0] (recipe portal-page used at campus.yaml:3).params.body_must_match: "
            "bad regular expression /(unclosed/: missing closing parenthesis at offset 9\n");
  CHECK(load(use + "    with: {site: \"https://x\", text: a}\n    params: {proxy: x}\n") ==
        "campus.yaml:6:13: checks[0].params: a check that uses a recipe takes its parameters in "
        "with:, not params:\n");
  CHECK(load("checks:\n  - {id: a, probe: tcp, target: \"x:1\", with: {a: 1}}\n") ==
        "campus.yaml:3:46: checks[0].with: with: gives a recipe's parameters; this check names no "
        "recipe\n");
}

TEST_CASE_FIXTURE(RecipeFixture, "a broken recipe file is reported at its own lines") {
  write("broken.yaml",
        "recipe: broken\nsummary: x\nparams:\n  site: {description: s}\n"
        "check:\n  probe: http\n  target: \"{{site}}/{{page}}\"\n  extra: 1\n");
  const std::string file = (dir / "broken.yaml").string();
  const auto errors = load("checks:\n  - {id: a, recipe: broken, with: {site: x}}\n");
  CHECK(errors.find(file + ":7:11: check.target: {{page}} is not a parameter of recipe 'broken' "
                           "(its parameters: site)\n") != std::string::npos);
  CHECK(errors.find("campus.yaml:3:21: checks[0].recipe: unknown recipe 'broken'") !=
        std::string::npos);
  INFO(errors);
  write("misnamed.yaml", "recipe: other\nsummary: x\ncheck: {probe: tcp}\n");
  fs::remove(dir / "broken.yaml");
  CHECK(load("checks:\n  - {id: a, recipe: portal-page, with: {site: \"https://x\", text: a}}\n") ==
        (dir / "misnamed.yaml").string() +
            ":1:1: recipe: the recipe is named 'other' but its file 'misnamed.yaml': name the "
            "file after the recipe\n");
}

TEST_CASE("every built-in recipe loads, documents its parameters and names real indicators") {
  Diagnostics d;
  const RecipeBook book = RecipeBook::load({}, nullptr, d);
  CHECK(d.str() == "");
  const Catalog catalog = Catalog::builtin();
  const auto recipes = book.all();
  CHECK(recipes.size() >= 2);
  for (const Recipe* recipe : recipes) {
    CAPTURE(recipe->name);
    CHECK_FALSE(recipe->summary.empty());
    CHECK_FALSE(recipe->system.empty());
    CHECK_FALSE(recipe->indicators.empty());
    for (const auto& id : recipe->indicators)
      CHECK_MESSAGE(catalog.find(id), id);
    for (const auto& p : recipe->params)
      CHECK_FALSE(p.description.empty());
  }
}

TEST_CASE("check-config can check a config before its secrets are provisioned") {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes = ProbeRegistry::builtin();
  const std::string text =
      "secrets:\n  db: {username: probe, password_file: /nonexistent/db.pass}\n"
      "checks:\n  - id: pos\n    recipe: sql-freshness\n"
      "    with: {database: \"postgresql://127.0.0.1:5432/ecard\", credentials: db,"
      " table: pos_transactions}\n";
  Diagnostics strict;
  CHECK_FALSE(load_plan_text("campus.yaml", text, {catalog}, probes, strict));
  CHECK(strict.str().rfind(
            "campus.yaml:2:40: secrets.db.password_file: cannot read file /nonexistent/db.pass\n",
            0) == 0);
  Diagnostics lenient;
  ConfigLoadOptions options{catalog};
  options.secrets_may_be_missing = true;
  auto plan = load_plan_text("campus.yaml", text, options, probes, lenient);
  INFO(lenient.str());
  REQUIRE(plan);
  CHECK(plan->missing_secrets ==
        std::vector<std::string>{"campus.yaml:2:40: secrets.db.password_file: cannot read file "
                                 "/nonexistent/db.pass"});
  CHECK((*plan->find("pos"))
            ->recipe_expansion.find(
                "SELECT max(tx_time) AS newest FROM pos_transactions WHERE TRUE") !=
        std::string::npos);
}
