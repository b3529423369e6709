#include "cli/cli.h"

#include <algorithm>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "catalog/catalog.h"
#include "cli/agent_commands.h"
#include "cli/indicators_command.h"
#include "cli/recipes_command.h"
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

  // run
  auto* run = app.add_subcommand("run", "Run the agent: schedule the checks, serve /metrics");
  verbs.push_back(run);
  std::string config_path;
  std::string log_format = "text";
  std::string log_level = "info";
  run->add_option("--config,-c", config_path, "The campus config file (YAML or JSON)")->required();
  std::string run_site;
  auto* run_site_option = run->add_option(
      "--site", run_site, "The site this agent probes from (over agent.site in the config)");
  run->add_option("--log-format", log_format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  run->add_option("--log-level", log_level, "debug, info (default), warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  // check-config
  auto* check = app.add_subcommand("check-config", "Validate a campus config and summarise it");
  verbs.push_back(check);
  std::string check_path;
  CheckConfigOptions check_options;
  check->add_option("file", check_path, "The campus config file")->required();
  check->add_flag("--skip-secrets", check_options.skip_secrets,
                  "Check everything but whether the secrets' files and variables exist yet; "
                  "list those that do not");
  check->add_flag("--expand", check_options.expand, "Show each check that uses a recipe expanded");
  std::string check_site;
  auto* check_site_option =
      check->add_option("--site", check_site, "Show what runs on this site (default: every site)");

  // probe
  auto* probe = app.add_subcommand("probe", "Run one check now and explain the result");
  verbs.push_back(probe);
  std::string probe_config, probe_check;
  bool probe_debug = false;
  probe->add_option("--config,-c", probe_config, "The campus config file")->required();
  probe->add_option("check", probe_check, "The id of the check to run")->required();
  probe->add_flag("--debug", probe_debug, "Show phases, evidence and the step log");
  std::string probe_site;
  auto* probe_site_option =
      probe->add_option("--site", probe_site, "Run as this site's agent (its checks only)");

  // recipes
  auto* recipes =
      app.add_subcommand("recipes", "List the recipes for campus products, or show one");
  verbs.push_back(recipes);
  std::string recipe_name;
  std::vector<std::string> recipe_dirs;
  recipes->add_option("name", recipe_name, "The recipe to show in full");
  recipes->add_option("--dir", recipe_dirs, "A directory of a campus's own recipes (repeatable)");

  // evidence verify
  auto* evidence = app.add_subcommand("evidence", "Work with the evidence log");
  verbs.push_back(evidence);
  evidence->require_subcommand(1);
  auto* verify = evidence->add_subcommand("verify", "Check every hash, link, seal and MAC");
  std::string evidence_dir;
  EvidenceVerifyOptions verify_options;
  verify->add_option("dir", evidence_dir, "The evidence directory")->required();
  verify->add_option("--key", verify_options.key_file, "The HMAC key file, to check the MACs too");
  verify->add_option("--pubkey", verify_options.pubkey_file,
                     "The agent's public key (FILE.pub of evidence keygen), to check signatures");
  verify->add_option("--tsa-ca", verify_options.tsa_ca_file,
                     "The time-stamping authority's CA certificate(s), PEM: check the trusted "
                     "timestamps' signatures, and fail a log without any");
  verify->add_option("--max-timestamp-delay", verify_options.max_timestamp_delay,
                     "How long after its checkpoint a timestamp may have been taken (default 1d)");
  std::uint64_t min_seq = 0;
  auto* min_seq_option =
      verify->add_option("--min-seq", min_seq,
                         "Fail when the chain ends before this seq: a head known from elsewhere "
                         "(campus_evidence_head_seq in Prometheus, an earlier verify)");
  auto* keygen = evidence->add_subcommand(
      "keygen", "Make the agent's Ed25519 signing key: FILE (private, 0600) and FILE.pub");
  std::string keygen_file;
  keygen->add_option("file", keygen_file, "Where to write the private key")->required();

  // report
  auto* report =
      app.add_subcommand("report", "The per-indicator compliance report from the evidence");
  verbs.push_back(report);
  ReportOptions report_options;
  report->add_option("--evidence", report_options.evidence_dir, "The evidence directory")
      ->required();
  report->add_option("--edition", report_options.edition, "higher or secondary")
      ->required()
      ->check(CLI::IsMember({"higher", "secondary"}));
  report->add_option("--config", report_options.config,
                     "The campus config (policies, checks, key)");
  report->add_option("--key", report_options.key_file, "The evidence HMAC key file");
  report->add_option("--since", report_options.since,
                     "The period up to now, e.g. 7d (default 30d)");
  report->add_option("--from", report_options.from, "Start of the period (RFC 3339 UTC)");
  report->add_option("--to", report_options.to, "End of the period (RFC 3339 UTC)");
  report->add_option("--format", report_options.format, "html (default), json, md or csv")
      ->check(CLI::IsMember({"html", "json", "md", "csv"}));
  report->add_option("-o,--output", report_options.output, "Write to this file instead of stdout");

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
  if (run->parsed()) {
    LogOptions options;
    options.format = log_format == "json" ? LogFormat::json : LogFormat::text;
    options.level = log_level == "debug"   ? LogLevel::debug
                    : log_level == "warn"  ? LogLevel::warn
                    : log_level == "error" ? LogLevel::error
                                           : LogLevel::info;
    return run_daemon(config_path,
                      run_site_option->count() ? std::optional(run_site) : std::nullopt, options,
                      err);
  }
  if (recipes->parsed()) {
    Diagnostics diagnostics;
    const RecipeBook book = RecipeBook::load(recipe_dirs, nullptr, diagnostics);
    err << diagnostics.str();
    if (!print_recipes(book, recipe_name, out)) {
      err << "campus-probe: no recipe '" << recipe_name << "' (known: " << book.names() << ")\n";
      return kExitUsage;
    }
    return diagnostics.empty() ? kExitOk : kExitUsage;
  }
  if (check->parsed()) {
    if (check_site_option->count()) check_options.site = check_site;
    return check_config(check_path, check_options, out, err);
  }
  if (probe->parsed()) {
    return probe_once(probe_config, probe_check, probe_debug,
                      probe_site_option->count() ? std::optional(probe_site) : std::nullopt, out,
                      err);
  }
  if (verify->parsed()) {
    if (min_seq_option->count() > 0) verify_options.min_seq = min_seq;
    return verify_evidence_command(evidence_dir, verify_options, out, err);
  }
  if (keygen->parsed()) return evidence_keygen_command(keygen_file, out, err);
  if (report->parsed()) return report_command(report_options, out, err);
  err << app.help();
  return kExitUsage;
}

}  // namespace campus
