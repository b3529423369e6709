#include "cli/agent_commands.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <boost/asio/io_context.hpp>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "cli/site_summary.h"
#include "config/config.h"
#include "core/worker_pool.h"
#include "daemon/daemon.h"
#include "daemon/probe_output.h"
#include "evidence/evidence_log.h"
#include "evidence/timestamp.h"
#include "evidence/verify.h"
#include "http/tls_context.h"
#include "net/curl_driver.h"
#include "net/curl_handles.h"
#include "probe/registry.h"
#include "report/campus_report.h"
#include "report/compliance_report.h"
#include "runtime/check_plan.h"
#include "runtime/check_runner.h"

namespace campus {
namespace {

std::optional<CheckPlan> load_or_report(const std::string& path, const ConfigLoadOptions& options,
                                        const ProbeRegistry& probes, std::ostream& err) {
  Diagnostics diagnostics;
  auto plan = load_plan_file(path, options, probes, diagnostics);
  if (!plan) {
    err << diagnostics.str() << path << ": " << diagnostics.size() << " problem"
        << (diagnostics.size() == 1 ? "" : "s") << "\n";
  }
  return plan;
}

}  // namespace

int run_daemon(const std::string& config_path, const std::optional<std::string>& site,
               const LogOptions& log_options, std::ostream& err) {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes = ProbeRegistry::builtin();
  Logger log(log_options.level, log_options.format,
             [&err](std::string_view line) { err << line << std::flush; });
  Daemon daemon(catalog, probes, log, config_path, site);
  if (!daemon.start()) return kExitUsage;
  return daemon.run();
}

// The expansion of a recipe, indented under a heading.
std::string describe_expansion(const CheckSpec& check) {
  std::string out = "check " + check.id + " is recipe " + check.recipe + ", expanded:\n";
  std::istringstream lines(check.recipe_expansion);
  for (std::string line; std::getline(lines, line);)
    out += "    " + line + "\n";
  return out;
}

namespace {

// The indicators of each enabled edition that no check and no attestation covers: they can only
// ever show as unverified.
void print_unmapped(const Config& config, const Catalog& catalog, std::ostream& out) {
  std::set<std::string> covered;
  for (const auto& c : config.checks)
    covered.insert(c->indicators.begin(), c->indicators.end());
  for (const auto& a : config.attestations)
    covered.insert(a->indicator);
  for (Edition e : config.editions) {
    const auto* edition = catalog.edition(e);
    if (!edition) continue;
    std::vector<std::string> missing;
    for (const auto& i : edition->indicators) {
      if (!covered.count(i.id)) missing.push_back(i.id);
    }
    out << "unmapped " << to_string(e) << ": " << missing.size();
    for (std::size_t i = 0; i < missing.size(); ++i)
      out << (i ? ", " : " (") << missing[i];
    out << (missing.empty() ? "\n" : ")\n");
  }
}

}  // namespace

int check_config(const std::string& config_path, const CheckConfigOptions& options,
                 std::ostream& out, std::ostream& err) {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes = ProbeRegistry::builtin();
  ConfigLoadOptions load{catalog};
  load.secrets_may_be_missing = options.skip_secrets;
  load.site = options.site;
  load.all_sites = !options.site;
  auto plan = load_or_report(config_path, load, probes, err);
  if (!plan) return kExitUsage;
  // The listener's certificate, key and CA, read as the agent will read them.
  if (const auto& web = plan->config->agent.web; web && web->tls) {
    try {
      make_tls_context(*web->tls);
    } catch (const std::exception& e) {
      err << config_path << ": web config " << web->file << ": " << e.what() << "\n";
      return kExitUsage;
    }
  }
  out << config_path << ": ok, " << config_summary(*plan->config, catalog) << "\n";
  print_unmapped(*plan->config, catalog, out);
  // Every site's view, or with --site that site's alone (its checks are all that was kept).
  print_site_summary(*plan->config, catalog, out,
                     options.site ? plan->config->agent.site : std::string());
  std::map<std::string, int> recipes;
  for (const auto& check : plan->checks) {
    if (!check->recipe.empty()) ++recipes[check->recipe];
  }
  if (!recipes.empty()) {
    out << "from recipes:";
    for (const auto& [name, count] : recipes)
      out << " " << name << " " << count;
    out << (options.expand ? "\n" : " (--expand shows them)\n");
  }
  if (options.expand) {
    for (const auto& check : plan->checks) {
      if (!check->recipe.empty()) out << describe_expansion(*check);
    }
  }
  if (!plan->missing_secrets.empty()) {
    out << "not checked: " << plan->missing_secrets.size()
        << " secret(s) to provision before the agent starts:\n";
    for (const auto& line : plan->missing_secrets)
      out << "  " << line << "\n";
  }
  return kExitOk;
}

int probe_once(const std::string& config_path, const std::string& check_id, bool debug,
               const std::optional<std::string>& site, std::ostream& out, std::ostream& err) {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes = ProbeRegistry::builtin();
  // Without --site, any check of the config can be tried from here; with it, only that site's.
  ConfigLoadOptions load{catalog};
  load.site = site;
  load.all_sites = !site;
  auto plan = load_or_report(config_path, load, probes, err);
  if (!plan) return kExitUsage;
  const auto* found = plan->find(check_id);
  if (!found) {
    err << config_path << ": no check with id '" << check_id << "'"
        << (site ? " that runs on site " + *site : std::string()) << "\n";
    return kExitUsage;
  }
  const std::shared_ptr<const Check> check = *found;
  const Config* config = plan->config.get();
  const Redactor redactor(config->secrets.values());
  Logger log(LogLevel::warn, LogFormat::text,
             [&err](std::string_view line) { err << line << std::flush; });
  log.set_redactor(redactor);

  boost::asio::io_context io;
  CurlGlobal curl_global;
  std::optional<RunRecord> record;
  std::vector<SessionLoginRecord> logins;
  {
    CurlDriver curl(io);
    WorkerPool workers(std::size_t(config->agent.workers), 64);
    CheckRunner runner(io, curl, workers, log);
    runner.sessions().set_sessions(plan->sessions);
    runner.sessions().on_login([&logins](SessionLoginRecord r) { logins.push_back(std::move(r)); });
    runner.start(check, [&record](RunRecord r) { record = std::move(r); });
    io.run();
  }
  if (!record) {
    err << "internal error: the run did not complete\n";
    return kExitUsage;
  }
  if (debug) {
    if (!check->recipe.empty()) out << describe_expansion(*check) << "\n";
    // A check of a session logs the session in first: show that run too.
    for (const auto& login : logins) {
      out << "session " << login.session->name << " logged in by " << login.run.check->probe_type
          << ":\n"
          << describe_run(login.run, redactor) << "\n";
    }
    out << describe_run(*record, redactor);
  } else {
    const auto& r = record->result;
    out << check->id << ": " << to_string(r.verdict);
    if (r.kind != FailureKind::none) out << " (" << to_string(r.kind) << ")";
    out << " in " << int(to_seconds(r.duration) * 1000) << "ms: " << redactor.text(r.reason)
        << "\n";
  }
  return record->result.verdict == Verdict::pass ? kExitOk : kExitCheckFailed;
}

int verify_evidence_command(const std::string& dir, const EvidenceVerifyOptions& options,
                            std::ostream& out, std::ostream& err) {
  std::optional<std::string> key;
  std::optional<VerifyKey> pubkey;
  std::optional<TsaTrust> tsa;
  const auto max_delay = parse_duration(options.max_timestamp_delay);
  if (!max_delay) {
    err << "campus-probe: --max-timestamp-delay: expected a duration like 1d or 6h, got '"
        << options.max_timestamp_delay << "'\n";
    return kExitUsage;
  }
  try {
    if (!options.key_file.empty()) key = load_evidence_key(options.key_file);
    if (!options.pubkey_file.empty()) pubkey = VerifyKey::load(options.pubkey_file);
    if (!options.tsa_ca_file.empty()) tsa = TsaTrust::load(options.tsa_ca_file);
  } catch (const std::exception& e) {
    err << "campus-probe: " << e.what() << "\n";
    return kExitUsage;
  }
  const auto result = verify_evidence(dir, key, pubkey ? &*pubkey : nullptr, tsa ? &*tsa : nullptr,
                                      *max_delay, options.min_seq);
  (result.intact ? out : err) << result.summary() << "\n";
  return result.intact ? kExitOk : kExitCheckFailed;
}

int evidence_keygen_command(const std::string& file, std::ostream& out, std::ostream& err) {
  try {
    generate_signing_key(file);
  } catch (const std::exception& e) {
    err << "campus-probe: " << e.what() << "\n";
    return kExitUsage;
  }
  out << "wrote the private key to " << file << " (mode 0600; name it in evidence.signing_key_file)"
      << " and the public key to " << file << ".pub (give it to the auditors)\n";
  return kExitOk;
}

int report_command(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  const Catalog catalog = Catalog::builtin();
  if (options.evidence_dirs.empty()) {
    err << "campus-probe: report: name the evidence directory (--evidence DIR), or several for "
           "a campus report\n";
    return kExitUsage;
  }
  ReportRequest request;
  request.evidence_dir = options.evidence_dirs.front();
  request.edition = *parse_edition(options.edition);
  std::shared_ptr<const Config> config;
  if (!options.config.empty()) {
    const ProbeRegistry probes = ProbeRegistry::builtin();
    ConfigLoadOptions load{catalog};
    load.all_sites = true;  // the report reads policies and checks of whichever site it covers
    auto plan = load_or_report(options.config, load, probes, err);
    if (!plan) return kExitUsage;
    config = plan->config;
    request.config = config.get();
  }
  try {
    if (!options.key_file.empty()) {
      request.key = load_evidence_key(options.key_file);
    } else if (config && config->evidence.key_file) {
      request.key = load_evidence_key(*config->evidence.key_file);
    }
  } catch (const EvidenceError& e) {
    err << "campus-probe: " << e.what() << "\n";
    return kExitUsage;
  }
  const auto now = std::chrono::system_clock::now();
  request.to = now;
  request.from = now - std::chrono::hours(24 * 30);
  if (!options.since.empty()) {
    auto since = parse_duration(options.since);
    if (!since) {
      err << "campus-probe: --since: expected a duration like 7d or 12h, got '" << options.since
          << "'\n";
      return kExitUsage;
    }
    request.from = now - *since;
  }
  for (auto [text, target, name] : {std::tuple{&options.from, &request.from, "--from"},
                                    std::tuple{&options.to, &request.to, "--to"}}) {
    if (text->empty()) continue;
    auto t = parse_utc_time(*text);
    if (!t) {
      err << "campus-probe: " << name << ": expected a UTC time like 2026-11-01T00:00:00Z, got '"
          << *text << "'\n";
      return kExitUsage;
    }
    *target = *t;
  }
  std::string text;
  bool intact = true;
  std::string broken;  // the verification of each site whose evidence does not verify
  if (options.evidence_dirs.size() == 1) {
    const auto report = build_report(request, catalog);
    intact = report.evidence_intact;
    broken = report.verification;
    if (options.format == "json") {
      text =
          report_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    } else if (options.format == "md") {
      text = report_markdown(report);
    } else if (options.format == "csv") {
      text = report_csv(report);
    } else {
      text = report_html(report);
    }
  } else {
    // Several sites: the same period, edition, config and key for each of them.
    std::vector<std::string> sites;
    std::vector<ReportRequest> requests;
    for (const auto& dir : options.evidence_dirs) {
      sites.push_back(evidence_site(dir));
      requests.push_back(request);
      requests.back().evidence_dir = dir;
    }
    for (std::size_t i = 0; i < sites.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (sites[i] == sites[j]) sites[i] += " (" + options.evidence_dirs[i] + ")";
      }
    }
    const auto report = build_campus_report(sites, requests, catalog);
    intact = report.evidence_intact;
    for (const auto& site : report.sites) {
      if (!site.report.evidence_intact)
        broken += (broken.empty() ? "" : "\ncampus-probe: ") + site.site + ": " +
                  site.report.verification;
    }
    if (options.format == "json") {
      text =
          campus_report_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
          "\n";
    } else if (options.format == "md") {
      text = campus_report_markdown(report);
    } else if (options.format == "csv") {
      text = campus_report_csv(report);
    } else {
      text = campus_report_html(report);
    }
  }
  if (options.output.empty()) {
    out << text;
  } else {
    std::ofstream file(options.output, std::ios::binary);
    file << text;
    if (!file) {
      err << "campus-probe: cannot write " << options.output << "\n";
      return kExitUsage;
    }
  }
  if (!intact) err << "campus-probe: " << broken << "\n";
  return intact ? kExitOk : kExitCheckFailed;
}

}  // namespace campus
