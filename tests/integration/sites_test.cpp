// Sites: two agents of one campus started from ONE config file with different --site. Each runs
// only its own site's checks, every series it exposes carries its site and labels, and so does
// every evidence record it writes.

#include <filesystem>
#include <regex>
#include <set>
#include <signal.h>
#include <sstream>
#include <tuple>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "evidence_support.h"
#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;

namespace {

// Each agent of a campus runs on its own host, which has its own evidence directory; here two
// directories that link to the one config file stand in for the two hosts' /etc/campus-probe
// (relative paths in a config are read against the directory it was opened from).
std::string sites_config() {
  const std::string http = "http://127.0.0.1:" + server("NGINX_HTTP_PORT");
  return "agent: {listen: 127.0.0.1:0, default_interval: 1s, default_timeout: 1s, "
         "shutdown_grace: 1s, labels: {college: demo}}\n"
         "evidence: {dir: evidence, fsync: always}\n"
         "sites:\n"
         "  dorm-north: {labels: {campus: north, network: dorm}}\n"
         "  office-south: {labels: {campus: south, network: office}}\n"
         "checks:\n"
         "  - id: everywhere\n    probe: http\n    target: \"" +
         http +
         "/status.json\"\n    labels: {system: website}\n    indicators: [H-3.4.3.1]\n"
         "  - id: dorm-only\n    probe: tcp\n    target: 127.0.0.1:" +
         server("NGINX_HTTP_PORT") +
         "\n    sites: {network: dorm}\n    labels: {system: network}\n"
         "    indicators: [H-4.1.1.2]\n"
         "  - id: office-only\n    probe: dns\n    target: localhost\n"
         "    sites: [office-south]\n    labels: {system: network}\n    indicators: [H-4.1.1.1]\n";
}

// The port an agent listening on port 0 says it got.
int announced_port(const Process& agent) {
  static const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  std::smatch m;
  const std::string out = agent.output();
  return std::regex_search(out, m, listening) ? std::stoi(m[1]) : 0;
}

std::set<std::string> check_ids(const std::string& base) {
  std::set<std::string> ids;
  for (const auto& c : nlohmann::json::parse(http_request(base + "/api/checks").body))
    ids.insert(c.value("id", ""));
  return ids;
}

struct SiteAgent {
  SiteAgent(const TempDir& dir, const std::string& shared, const std::string& site)
      : home(dir.path() + "/" + site),
        process((std::filesystem::create_directory(home),
                 std::filesystem::create_symlink(shared, home + "/campus.yaml"),
                 std::vector<std::string>{CAMPUS_PROBE_BIN, "run", "--config",
                                          home + "/campus.yaml", "--site", site}),
                home + "/agent.log") {}
  std::string home;
  Process process;
  std::string base;

  bool ready() {
    if (base.empty()) {
      const int port = announced_port(process);
      if (port == 0) return false;
      base = "http://127.0.0.1:" + std::to_string(port);
    }
    return http_request(base + "/-/ready").status == 200;
  }
};

}  // namespace

TEST_CASE("sites: two agents of one config run only their own site's checks, labelled") {
  TempDir dir;
  const std::string shared = dir.file("campus.yaml", sites_config());
  SiteAgent dorm(dir, shared, "dorm-north");
  SiteAgent office(dir, shared, "office-south");
  REQUIRE_MESSAGE(wait_until([&] { return dorm.ready(); }), dorm.process.output());
  REQUIRE_MESSAGE(wait_until([&] { return office.ready(); }), office.process.output());

  CHECK(check_ids(dorm.base) == std::set<std::string>{"everywhere", "dorm-only"});
  CHECK(check_ids(office.base) == std::set<std::string>{"everywhere", "office-only"});

  const std::string dorm_labels =
      R"(campus="north",college="demo",network="dorm",site="dorm-north")";
  const std::string office_labels =
      R"(campus="south",college="demo",network="office",site="office-south")";
  REQUIRE_MESSAGE(wait_until([&] {
                    return metric(dorm.base, R"(campus_probe_success{check="dorm-only",)"
                                             R"(probe="tcp",system="network",)" +
                                                 dorm_labels + "}") == 1 &&
                           metric(office.base, R"(campus_probe_success{check="office-only",)"
                                               R"(probe="dns",system="network",)" +
                                                   office_labels + "}") == 1;
                  }),
                  (dorm.process.output() + office.process.output()));
  CHECK(metric(dorm.base, R"(campus_probe_success{check="everywhere",probe="http",)"
                          R"(system="website",)" +
                              dorm_labels + "}") == 1);

  // Every series of each agent carries its site and labels; neither shows the other's check.
  for (auto [agent, labels, other] : {std::tuple{&dorm, dorm_labels, "office-only"},
                                      std::tuple{&office, office_labels, "dorm-only"}}) {
    const std::string text = http_request(agent->base + "/metrics").body;
    CHECK(text.find(std::string("check=\"") + other + "\"") == std::string::npos);
    std::istringstream lines(text);
    int samples = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#') continue;
      ++samples;
      CAPTURE(line);
      CHECK(line.find(labels) != std::string::npos);  // a histogram's `le` comes last
    }
    CHECK(samples > 50);
  }
  // The indicators each agent shows are those of its own checks.
  CHECK(metric(dorm.base, R"(campus_indicator_checks{edition="higher",indicator="H-4.1.1.2",)" +
                              dorm_labels + "}") == 1);
  CHECK(metric(office.base, R"(campus_indicator_checks{edition="higher",indicator="H-4.1.1.2",)" +
                                office_labels + "}") == 0);

  // Evidence: every run record, and each segment's open record, says where it was made.
  dorm.process.signal(SIGTERM);
  office.process.signal(SIGTERM);
  CHECK(dorm.process.wait(5s) == 0);
  CHECK(office.process.wait(5s) == 0);
  for (auto [agent, site, campus] :
       {std::tuple{&dorm, "dorm-north", "north"}, std::tuple{&office, "office-south", "south"}}) {
    std::istringstream lines(all_evidence(agent->home + "/evidence"));
    int runs = 0, opens = 0;
    for (std::string line; std::getline(lines, line);) {
      const auto record = nlohmann::json::parse(line, nullptr, false);
      if (!record.is_object()) continue;
      const auto type = record.value("type", "");
      if (type != "run" && type != "open") continue;
      (type == "run" ? runs : opens) += 1;
      CAPTURE(line);
      CHECK(record.value("site", "") == site);
      CHECK(record["site_labels"].value("campus", "") == campus);
    }
    CHECK(runs > 1);
    CHECK(opens >= 1);
    std::string verified;
    CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", agent->home + "/evidence"}, dir,
                     std::string(site) + "-verify.log", &verified) == 0);
    // The report names the site its records were made at.
    std::string report;
    CHECK(run_to_end({CAMPUS_PROBE_BIN, "report", "--evidence", agent->home + "/evidence",
                      "--edition", "higher", "--format", "md"},
                     dir, std::string(site) + "-report.md", &report) == 0);
    CHECK(report.find(std::string("Site: ") + site + " (campus=" + campus) != std::string::npos);
  }
}
