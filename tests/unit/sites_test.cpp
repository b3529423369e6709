// Sites: one config for every agent of a campus. The agent's own site and extra labels, the
// checks each site runs (by name or by the sites' labels), the errors a typo gets, and the site
// on every series and evidence record.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "config/claims_json.h"
#include "config/config.h"
#include "pipeline/result_pipeline.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"
#include "sinks/metrics.h"

using namespace campus;

namespace {

struct SiteFixture {
  Catalog catalog = Catalog::builtin();
  ProbeRegistry probes = ProbeRegistry::builtin();
  std::optional<CheckPlan> plan;

  std::shared_ptr<const Config> load(const std::string& text, Diagnostics& d,
                                     std::optional<std::string> site = std::nullopt,
                                     bool all_sites = false) {
    ConfigLoadOptions options{catalog, [](const std::string&) { return std::nullopt; }};
    options.site = std::move(site);
    options.all_sites = all_sites;
    plan = load_plan_text("campus.yaml", text, options, probes, d);
    return plan ? plan->config : nullptr;
  }
  std::shared_ptr<const Config> load_ok(const std::string& text,
                                        std::optional<std::string> site = std::nullopt,
                                        bool all_sites = false) {
    Diagnostics d;
    auto config = load(text, d, std::move(site), all_sites);
    INFO(d.str());
    REQUIRE(config);
    return config;
  }
  std::string errors(const std::string& text, std::optional<std::string> site = std::nullopt) {
    Diagnostics d;
    CHECK_FALSE(load(text, d, std::move(site)));
    return d.str();
  }
  std::set<std::string> ids(const Config& config) {
    std::set<std::string> out;
    for (const auto& c : config.checks)
      out.insert(c->id);
    return out;
  }
};

// Three sites on two campuses; checks chosen by name, by label, by a list of values, or not at
// all (everywhere). The portal check logs in through a session only the dormitories use.
const char* const kCampus = R"(agent:
  default_interval: 30s
  labels: {college: demo}
sites:
  dorm-north: {labels: {network: dorm, campus: north}}
  dorm-south: {labels: {network: dorm, campus: south}}
  office-north: {labels: {network: office, campus: north}}
secrets:
  student: {username: s1, password_file: /dev/null}
sessions:
  student:
    probe: cas
    target: https://auth.example.edu.cn/authserver
    params: {service: "https://portal.example.edu.cn/login", credentials: student}
checks:
  - id: everywhere
    probe: dns
    target: example.edu.cn
    indicators: [H-4.1.1.1]
  - id: by-name
    probe: tcp
    target: 127.0.0.1:80
    sites: [office-north]
    indicators: [H-3.3.1.1]
  - id: dorm-internet
    probe: http
    target: https://www.example.com/
    sites: {network: dorm}
    indicators: [H-4.1.1.2]
  - id: north
    probe: http
    target: https://news.example.edu.cn/
    sites: {campus: north, network: [dorm, office]}
    indicators: [H-3.4.3.1]
  - id: dorm-portal
    probe: http
    target: https://portal.example.edu.cn/
    session: student
    sites: [dorm-north, dorm-south]
    indicators: [H-3.3.1.1]
)";

}  // namespace

TEST_CASE_FIXTURE(SiteFixture, "site: each agent of one config runs only its own site's checks") {
  auto dorm = load_ok(kCampus, "dorm-north");
  CHECK(dorm->agent.site == "dorm-north");
  CHECK(ids(*dorm) == std::set<std::string>{"everywhere", "dorm-internet", "north", "dorm-portal"});
  CHECK(dorm->sessions.count("student") == 1);
  CHECK(plan->sessions.count("student") == 1);
  CHECK(dorm->site_labels() == std::map<std::string, std::string>{
                                   {"campus", "north"}, {"college", "demo"}, {"network", "dorm"}});

  auto south = load_ok(kCampus, "dorm-south");
  CHECK(ids(*south) == std::set<std::string>{"everywhere", "dorm-internet", "dorm-portal"});

  // The office runs no check of the session: it is gone, and is never logged in there.
  auto office = load_ok(kCampus, "office-north");
  CHECK(ids(*office) == std::set<std::string>{"everywhere", "by-name", "north"});
  CHECK(office->sessions.empty());
  CHECK(plan->sessions.empty());
  CHECK(office->find_check("dorm-portal") == nullptr);
  CHECK(office->find_check("by-name") != nullptr);

  // agent.site in the file, and --site over it.
  std::string text = kCampus;
  text.replace(text.find("  labels: {college: demo}"), 0, "  site: dorm-south\n");
  CHECK(load_ok(text)->agent.site == "dorm-south");
  CHECK(load_ok(text, "office-north")->agent.site == "office-north");

  // check-config's overview keeps every site's checks.
  auto all = load_ok(kCampus, std::nullopt, true);
  CHECK(all->checks.size() == 5);
  CHECK(all->runs_on(*all->find_check("north"), "office-north"));
  CHECK_FALSE(all->runs_on(*all->find_check("north"), "dorm-south"));
  CHECK(all->runs_on(*all->find_check("everywhere"), "dorm-south"));
}

TEST_CASE_FIXTURE(SiteFixture, "site: without a sites section names are free and all else runs") {
  const std::string text = R"(agent: {site: main, labels: {campus: east}}
checks:
  - id: a
    probe: dns
    target: example.edu.cn
  - id: b
    probe: dns
    target: example.edu.cn
    sites: [dorm]
)";
  auto main = load_ok(text);
  CHECK(main->agent.site == "main");
  CHECK(main->agent.labels == std::map<std::string, std::string>{{"campus", "east"}});
  CHECK(ids(*main) == std::set<std::string>{"a"});
  CHECK(ids(*load_ok(text, "dorm")) == std::set<std::string>{"a", "b"});
  // No site and nothing selects one: every check, no labels beyond agent.labels.
  auto plain = load_ok("checks:\n  - {id: a, probe: dns, target: example.edu.cn}\n");
  CHECK(plain->agent.site.empty());
  CHECK(plain->site_labels().empty());
}

TEST_CASE_FIXTURE(SiteFixture, "site: mistakes are named with file, line and the known sites") {
  const std::string checks = "checks:\n  - {id: a, probe: dns, target: example.edu.cn}\n";
  const std::string sites = "sites:\n  dorm: {labels: {network: dorm}}\n  office:\n";
  struct Case {
    std::string text;
    std::optional<std::string> site;
    std::string expected;
  };
  const Case cases[] = {
      {"agent: {site: Dorm North}\n" + checks, std::nullopt,
       "campus.yaml:1:15: agent.site: site names may use only a-z, 0-9, _ and - (at most 63), got "
       "'Dorm North'"},
      {"agent: {site: lab}\n" + sites + checks, std::nullopt,
       "campus.yaml:1:15: agent.site: unknown site 'lab' (sites: dorm, office)"},
      {sites + checks, "lab", "campus.yaml: --site: unknown site 'lab' (sites: dorm, office)"},
      {sites + checks, "no/such", "campus.yaml: --site: site names may use only"},
      {sites + checks, std::nullopt,
       "campus.yaml:2:3: sites: the config defines sites (dorm, office), but this agent has no "
       "site: set agent.site, or run with --site NAME"},
      {"checks:\n  - {id: a, probe: dns, target: example.edu.cn, sites: [dorm]}\n", std::nullopt,
       "campus.yaml:2: sites: check 'a' (line 2) selects the sites it runs from, but this agent "
       "has no site: set agent.site, or run with --site NAME"},
      {sites + "checks:\n  - {id: a, probe: dns, target: example.edu.cn, sites: [dorm, lab]}\n",
       "dorm", "campus.yaml:5:56: checks[0].sites: unknown site 'lab' (sites: dorm, office)"},
      {sites + "checks:\n  - {id: a, probe: dns, target: example.edu.cn, sites: {network: dorn}}\n",
       "dorm",
       "campus.yaml:5:56: checks[0].sites: {network: dorn} selects no site (the sites' labels: "
       "network: dorm)"},
      {"checks:\n  - {id: a, probe: dns, target: example.edu.cn, sites: {network: dorm}}\n", "dorm",
       "checks[0].sites: a label selector picks among the sites: defined at the top of the "
       "config, and it defines none"},
      {sites + "checks:\n  - {id: a, probe: dns, target: example.edu.cn, sites: []}\n", "dorm",
       "checks[0].sites: a check that runs on no site never runs"},
      {"agent: {labels: {check: x}}\n" + checks, std::nullopt,
       "agent.labels.check: 'check' is a label the agent's own series (or the scrape) already "
       "use; pick another name, e.g. campus, network or building"},
      {"agent: {labels: {job: x}}\n" + checks, std::nullopt,
       "agent.labels.job: 'job' is a label the agent's own series (or the scrape) already use"},
      {"agent: {labels: {site: x}}\n" + checks, std::nullopt,
       "agent.labels.site: the site is set with agent.site (or run --site), not as a label"},
      {"agent: {labels: {__meta: x}}\n" + checks, std::nullopt,
       "agent.labels.__meta: label names starting with __ are reserved by Prometheus"},
      {"agent: {labels: {1st: x}}\n" + checks, std::nullopt,
       "agent.labels.1st: label names must match [a-zA-Z_][a-zA-Z0-9_]*"},
      {"sites:\n  dorm: {labels: {system: x}}\n" + checks, "dorm",
       "sites.dorm.labels.system: 'system' is a label the agent's own series"},
      {"sites:\n  Dorm: {}\n" + checks, "dorm",
       "campus.yaml:2:9: sites.Dorm: site names may use only a-z, 0-9, _ and -"},
      {"sites:\n  dorm: {lables: {a: b}}\n" + checks, "dorm",
       "sites.dorm.lables: unknown key 'lables'"},
      {"agent: {site: dorm, labels: {campus: north}}\npush: {pushgateway: "
       "\"http://127.0.0.1:9091\", grouping: {campus: x}}\n" +
           checks,
       std::nullopt,
       "push.grouping.campus: 'campus' is already a label of every series (agent.site, "
       "agent.labels or the site's labels), and part of the push's grouping key"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const std::string got = errors(c.text, c.site);
    CHECK_MESSAGE(got.find(c.expected) != std::string::npos, got);
  }
}

TEST_CASE_FIXTURE(SiteFixture,
                  "site: the site and labels are on every series and evidence record") {
  auto config = load_ok(kCampus, "dorm-north");
  ResultPipeline pipeline(catalog);
  Metrics metrics(catalog, "test");
  pipeline.add(metrics);
  pipeline.set_config(config, plan->probes);
  RunRecord run;
  run.check = config->checks.front();
  run.result = ProbeResult::pass("ok");
  run.result.phases.push_back({"connect", 0.01});
  pipeline.publish(std::move(run));
  metrics.set_reload_result(true);

  const std::string text = metrics.text();
  std::istringstream lines(text);
  int samples = 0;
  std::set<std::string> label_names;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    ++samples;
    CAPTURE(line);
    // After the series' own labels; a histogram's `le` comes last of all.
    CHECK(line.find(R"(campus="north",college="demo",network="dorm",site="dorm-north")") !=
          std::string::npos);
    // Every label name the agent's own series use must be one an extra label cannot take.
    const auto open = line.find('{');
    for (auto at = open; at != std::string::npos && at < line.find('}');) {
      const auto eq = line.find('=', at);
      label_names.insert(line.substr(at + 1, eq - at - 1));
      at = line.find("\",", eq);
      if (at != std::string::npos) ++at;
    }
  }
  CHECK(samples > 100);
  CHECK(text.find("campus_probe_success{check=\"everywhere\",probe=\"dns\",system=\"unknown\","
                  "campus=\"north\",college=\"demo\",network=\"dorm\",site=\"dorm-north\"} 1") !=
        std::string::npos);
  for (const auto& name : label_names) {
    CAPTURE(name);
    CHECK((is_reserved_label(name) || name == "campus" || name == "college" || name == "network"));
  }

  // What a push sends carries them too.
  for (const auto& collectable : metrics.collectables()) {
    for (const auto& family : collectable->Collect()) {
      for (const auto& metric : family.metric) {
        CAPTURE(family.name);
        bool has_site = false;
        for (const auto& label : metric.label)
          has_site = has_site || (label.name == "site" && label.value == "dorm-north");
        CHECK(has_site);
      }
    }
  }

  // Evidence: the members every record gets.
  const auto members = site_members(*config);
  CHECK(members ==
        nlohmann::json{
            {"site", "dorm-north"},
            {"site_labels", {{"campus", "north"}, {"college", "demo"}, {"network", "dorm"}}}});
  CHECK(site_members(*load_ok("checks:\n  - {id: a, probe: dns, target: x.cn}\n")).empty());
}

TEST_CASE_FIXTURE(SiteFixture, "site: without a site the series are as they always were") {
  auto config = load_ok("checks:\n  - {id: a, probe: dns, target: example.edu.cn}\n");
  ResultPipeline pipeline(catalog);
  Metrics metrics(catalog, "test");
  pipeline.add(metrics);
  pipeline.set_config(config, plan->probes);
  RunRecord run;
  run.check = config->checks.front();
  run.result = ProbeResult::pass("ok");
  pipeline.publish(std::move(run));
  const std::string text = metrics.text();
  CHECK(text.find("campus_probe_success{check=\"a\",probe=\"dns\",system=\"unknown\"} 1") !=
        std::string::npos);
  CHECK(text.find("site=") == std::string::npos);
}
