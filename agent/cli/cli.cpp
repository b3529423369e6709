#include "cli/cli.h"

#include <algorithm>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "catalog/catalog.h"
#include "cli/indicators_command.h"
#include "version.h"

namespace campus {

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "campus-probe: proves, continuously, that a vocational college's digital campus "
      "delivers the benchmark-school monitoring indicators.",
      "campus-probe"};
  app.set_version_flag("--version", std::string("campus-probe ") + kVersion);
  app.require_subcommand(1);
  std::vector<const CLI::App*> verbs;

  // indicators
  auto* indicators = app.add_subcommand("indicators", "Print the indicator catalog");
  verbs.push_back(indicators);
  std::string edition_name;
  std::string format_name = "table";
  indicators
      ->add_option("--edition", edition_name, "higher (高职) or secondary (中职); default both")
      ->check(CLI::IsMember({"higher", "secondary"}));
  indicators->add_option("--format", format_name, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e, out, err);  // --help and --version
  } catch (const CLI::ParseError& e) {
    // CLI11 reports a mistyped verb as "a subcommand is required"; name the word instead.
    const bool unknown_verb = argc > 1 && argv[1][0] != '-' &&
                              std::none_of(verbs.begin(), verbs.end(), [&](const CLI::App* verb) {
                                return verb->get_name() == argv[1];
                              });
    if (unknown_verb) {
      err << "campus-probe: unknown verb '" << argv[1] << "'\n";
    } else {
      err << "campus-probe: " << e.what() << '\n';
    }
    err << '\n' << app.help();
    return kExitUsage;
  }

  if (indicators->parsed()) {
    print_indicators(Catalog::builtin(), parse_edition(edition_name),
                     format_name == "json" ? IndicatorFormat::json : IndicatorFormat::table, out);
    return kExitOk;
  }
  err << app.help();
  return kExitUsage;
}

}  // namespace campus
