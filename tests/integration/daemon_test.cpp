// The campus-probe daemon as a user runs it: a dozen checks against the real nginx and the
// misbehaving targets, /metrics, /probe, /api, reload (good and broken), SIGHUP and SIGTERM.

#include <algorithm>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;

namespace {

const char* const kPassword = "pr0be-Secret-9";

std::string campus_config(int port, bool with_extra = false, bool without_refused = false) {
  const std::string http = "http://127.0.0.1:" + server("NGINX_HTTP_PORT");
  const std::string valid = "https://127.0.0.1:" + server("NGINX_TLS_VALID_PORT");
  const std::string expired = "https://127.0.0.1:" + server("NGINX_TLS_EXPIRED_PORT");
  const std::string ca = server("TEST_CA");
  std::string c = "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                  ", default_interval: 2s, default_timeout: 2s, shutdown_grace: 1s}\n"
                  "editions: [higher, secondary]\n"
                  "secrets:\n  web: {username: probe, password_env: CAMPUS_DAEMON_TEST_PASS}\n"
                  "checks:\n";
  auto check = [&](const std::string& id, const std::string& probe, const std::string& target,
                   const std::string& system, const std::string& indicators,
                   const std::string& extra = "") {
    c += "  - id: " + id + "\n    probe: " + probe + "\n    target: \"" + target +
         "\"\n    labels: {system: " + system + "}\n    indicators: [" + indicators + "]\n" + extra;
  };
  check("web-status", "http", http + "/status.json", "website", "H-3.4.3.1, S-3.4.3.1",
        "    params: {json_assert: ['/status == ok']}\n");
  check("web-500", "http", http + "/status/500", "repair", "H-3.5.1.1, S-3.5.1.1");
  check("web-basic", "http", http + "/basic/", "portal", "H-3.4.2.1",
        "    params: {auth: {basic: web}}\n");
  check("web-redirect", "http", http + "/redirect", "website", "H-3.3.4.1");
  check("https-valid", "http", valid + "/status.json", "sso", "H-3.3.1.1",
        "    params: {tls: {ca_file: \"" + ca + "\"}}\n");
  check("https-expired", "http", expired + "/", "sso", "H-3.3.1.1",
        "    params: {tls: {ca_file: \"" + ca + "\"}}\n");
  check("tls-valid", "tls", "127.0.0.1:" + server("NGINX_TLS_VALID_PORT"), "sso", "S-3.3.1.1",
        "    params: {ca_file: \"" + ca + "\"}\n");
  check("tcp-nginx", "tcp", "127.0.0.1:" + server("NGINX_HTTP_PORT"), "network", "H-4.1.1.1");
  check("dns-localhost", "dns", "localhost", "network", "H-4.1.1.1");
  check("silent", "http", "http://127.0.0.1:" + server("MISBEHAVE_SILENT_PORT") + "/", "security",
        "H-4.1.1.3", "    timeout: 1500ms\n");
  check("drip", "http", "http://127.0.0.1:" + server("MISBEHAVE_DRIP_PORT") + "/", "onecard",
        "H-3.4.1.1");
  if (!without_refused) check("refused", "tcp", "127.0.0.1:1", "access", "H-4.1.3.2");
  if (with_extra) check("added-later", "dns", "localhost", "network", "S-4.1.1.1");
  return c;
}

std::string metrics(int port) {
  return http_request("http://127.0.0.1:" + std::to_string(port) + "/metrics").body;
}

std::optional<double> metric(int port, const std::string& series) {
  return metric_value(metrics(port), series);
}

}  // namespace

TEST_CASE("the daemon runs a dozen checks, serves metrics throughout, reloads and stops cleanly") {
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string config = dir.file("campus.yaml", campus_config(port));
  setenv("CAMPUS_DAEMON_TEST_PASS", "probepw", 1);
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", config, "--log-level", "debug"},
                dir.path() + "/agent.log");
  REQUIRE_MESSAGE(wait_until([&] { return http_request(base + "/-/ready").status == 200; }),
                  agent.output());

  // Every check has run at least once.
  const std::vector<std::string> ids{"web-status",    "web-500",       "web-basic", "web-redirect",
                                     "https-valid",   "https-expired", "tls-valid", "tcp-nginx",
                                     "dns-localhost", "silent",        "drip",      "refused"};
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        const auto text = metrics(port);
                        for (const auto& id : ids) {
                          const auto prefix = "campus_probe_runs_total{check=\"" + id + "\"";
                          double total = 0;
                          for (const char* r : {"pass", "fail", "error"}) {
                            total +=
                                metric_value(text, prefix + ",result=\"" + r + "\"}").value_or(0);
                          }
                          if (total < 1) return false;
                        }
                        return true;
                      },
                      20s),
                  agent.output());

  const auto text = metrics(port);
  auto success = [&](const std::string& id, const std::string& probe, const std::string& system) {
    return metric_value(text, "campus_probe_success{check=\"" + id + "\",probe=\"" + probe +
                                  "\",system=\"" + system + "\"}");
  };
  CHECK(success("web-status", "http", "website") == 1);
  CHECK(success("web-500", "http", "repair") == 0);
  CHECK(success("web-basic", "http", "portal") == 1);
  CHECK(success("web-redirect", "http", "website") == 1);
  CHECK(success("https-valid", "http", "sso") == 1);
  CHECK(success("https-expired", "http", "sso") == 0);
  CHECK(success("tls-valid", "tls", "sso") == 1);
  CHECK(success("tcp-nginx", "tcp", "network") == 1);
  CHECK(success("dns-localhost", "dns", "network") == 1);
  CHECK(success("silent", "http", "security") == 0);
  CHECK(success("drip", "http", "onecard") == 0);
  CHECK(success("refused", "tcp", "access") == 0);
  CHECK(metric_value(text, "campus_probe_failure_kind{check=\"web-500\",kind=\"bad_status\"}") ==
        1);
  CHECK(metric_value(text, "campus_probe_failure_kind{check=\"https-expired\",kind=\"tls\"}") == 1);
  CHECK(metric_value(text, "campus_probe_failure_kind{check=\"silent\",kind=\"timeout\"}") == 1);
  CHECK(metric_value(text, "campus_probe_failure_kind{check=\"refused\",kind=\"connect\"}") == 1);
  CHECK(metric_value(text, "campus_probe_http_status_code{check=\"web-500\"}") == 500);
  CHECK(metric_value(text,
                     "campus_probe_tls_cert_not_after_timestamp_seconds{check=\"tls-valid\"}") > 0);
  // Indicators: met when every mapped check passes, failing when one fails, else unverified.
  auto indicator = [&](const std::string& edition, const std::string& id,
                       const std::string& dimension, const std::string& scene) {
    return metric_value(text, "campus_indicator_status{dimension=\"" + dimension + "\",edition=\"" +
                                  edition + "\",indicator=\"" + id + "\",scene=\"" + scene + "\"}");
  };
  CHECK(indicator("higher", "H-3.4.3.1", "管理服务", "公共服务") == 1);
  CHECK(indicator("higher", "H-3.3.1.1", "管理服务", "信息化管理") == 0);  // one of two fails
  CHECK(indicator("secondary", "S-3.3.1.1", "管理服务", "信息化管理") == 1);
  CHECK(indicator("higher", "H-1.1.1.1", "师生发展", "学生发展") == -1);
  CHECK(metric_value(text, "campus_indicator_checks{edition=\"higher\",indicator=\"H-3.3.1.1\"}") ==
        2);
  CHECK(metric_value(text, "campus_build_info{version=\"" CAMPUS_PROBE_VERSION "\"}") == 1);
  CHECK(metric_value(text, "campus_scheduler_lag_seconds_count") > 0);

  // /metrics stays fast while slow checks hang.
  for (int i = 0; i < 5; ++i) {
    auto reply = http_request(base + "/metrics");
    CHECK(reply.status == 200);
    CHECK(reply.seconds < 0.5);
  }

  // /probe answers in blackbox_exporter's names; debug explains in words.
  auto probe = http_request(base + "/probe?check=web-500");
  CHECK(metric_value(probe.body, "probe_success") == 0);
  CHECK(metric_value(probe.body, "probe_http_status_code") == 500);
  CHECK(metric_value(probe.body, "probe_http_duration_seconds{phase=\"connect\"}").has_value());
  CHECK(metric_value(probe.body, "probe_http_duration_seconds{phase=\"resolve\"}").has_value());
  auto debug = http_request(base + "/probe?check=web-basic&debug=true");
  CHECK(debug.body.find("verdict:  pass") != std::string::npos);
  CHECK(debug.body.find("step log:") != std::string::npos);
  CHECK(http_request(base + "/probe?check=nope").status == 404);

  auto checks = nlohmann::json::parse(http_request(base + "/api/checks").body);
  CHECK(checks.size() == 12);
  auto indicators =
      nlohmann::json::parse(http_request(base + "/api/indicators?edition=secondary").body);
  CHECK(indicators.size() == 44);
  CHECK(http_request(base + "/").body.find("校内人员能通过统一身份认证与单点登录获取信息服务") !=
        std::string::npos);

  // No secret anywhere a user can look.
  for (const auto& seen : {metrics(port), http_request(base + "/api/checks").body, debug.body,
                           http_request(base + "/").body, agent.output()}) {
    CHECK(seen.find("probepw") == std::string::npos);
  }

  // A broken config is refused and the running one keeps going.
  dir.file("campus.yaml", "checks:\n  - id: broken\n    probe: nope\n");
  auto refused = http_request(base + "/-/reload", "POST");
  CHECK(refused.status == 500);
  CHECK(refused.body.find("unknown probe type 'nope'") != std::string::npos);
  CHECK(metric(port, "campus_config_last_reload_success") == 0);
  CHECK(nlohmann::json::parse(http_request(base + "/api/checks").body).size() == 12);

  // A good config swaps in: the removed check's series disappear.
  dir.file("campus.yaml", campus_config(port, false, true));
  CHECK(http_request(base + "/-/reload", "POST").status == 200);
  CHECK(metric(port, "campus_config_last_reload_success") == 1);
  CHECK(metrics(port).find("check=\"refused\"") == std::string::npos);
  CHECK(metric(port,
               "campus_probe_success{check=\"web-status\",probe=\"http\",system=\"website\"}") ==
        1);

  // SIGHUP reloads too.
  dir.file("campus.yaml", campus_config(port, true, true));
  agent.signal(SIGHUP);
  CHECK(wait_until(
      [&] { return nlohmann::json::parse(http_request(base + "/api/checks").body).size() == 12; }));
  CHECK(wait_until([&] {
    return metric(port,
                  "campus_probe_success{check=\"added-later\",probe=\"dns\",system=\"network\"}") ==
           1;
  }));

  // SIGTERM: drain (up to shutdown_grace) and exit 0.
  agent.signal(SIGTERM);
  CHECK(agent.wait(5s) == 0);
  CHECK(agent.output().find("stopped") != std::string::npos);
  CHECK(agent.output().find("probepw") == std::string::npos);
}

TEST_CASE("check-config and probe explain problems in words, with exit codes") {
  TempDir dir;
  const std::string good = dir.file("good.yaml", campus_config(free_port()));
  setenv("CAMPUS_DAEMON_TEST_PASS", "probepw", 1);
  Process check({CAMPUS_PROBE_BIN, "check-config", good}, dir.path() + "/check.log");
  CHECK(check.wait(10s) == 0);
  CHECK(check.output().find("ok, 12 checks (dns 1, http 8, tcp 2, tls 1); indicators covered: "
                            "higher 9/61 secondary 3/44") != std::string::npos);

  const std::string bad = dir.file(
      "bad.yaml", "checks:\n  - id: a\n    probe: http\n    target: http://x/\n    interval: 5x\n");
  Process broken({CAMPUS_PROBE_BIN, "check-config", bad}, dir.path() + "/broken.log");
  CHECK(broken.wait(10s) == 2);
  CHECK(broken.output().find(bad + ":5:15: checks[0].interval: expected a duration") !=
        std::string::npos);

  Process failing({CAMPUS_PROBE_BIN, "probe", "--config", good, "https-expired", "--debug"},
                  dir.path() + "/probe.log");
  CHECK(failing.wait(10s) == 1);
  CHECK(failing.output().find("verdict:  fail (tls)") != std::string::npos);
  CHECK(failing.output().find("certificate has expired") != std::string::npos);

  Process passing({CAMPUS_PROBE_BIN, "probe", "--config", good, "web-status"},
                  dir.path() + "/ok.log");
  CHECK(passing.wait(10s) == 0);
}

TEST_CASE("a check outside its active window does not run and says so in metrics, API and page") {
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string nginx = "127.0.0.1:" + server("NGINX_HTTP_PORT");
  const std::string config = dir.file(
      "campus.yaml", "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                         ", default_interval: 1s, default_timeout: 1s}\n"
                         "calendars:\n  term-2020: [\"2020-02-17..2020-07-10\"]\n"
                         "checks:\n"
                         "  - {id: open, probe: tcp, target: \"" +
                         nginx +
                         "\", indicators: [S-4.1.3.1], active: {hours: \"00:00-24:00\"}}\n"
                         "  - {id: closed, probe: tcp, target: \"" +
                         nginx + "\", indicators: [H-4.1.3.2], active: {calendar: term-2020}}\n");
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", config}, dir.path() + "/agent.log");
  REQUIRE_MESSAGE(wait_until([&] {
                    return metric_value(http_request(base + "/metrics").body,
                                        "campus_probe_runs_total{check=\"open\",result=\"pass\"}")
                               .value_or(0) >= 2;
                  }),
                  agent.output());
  const std::string text = http_request(base + "/metrics").body;
  CHECK(metric_value(text, "campus_probe_in_window{check=\"open\"}") == 1);
  CHECK(metric_value(text, "campus_probe_in_window{check=\"closed\"}") == 0);
  CHECK(text.find("campus_probe_runs_total{check=\"closed\"") == std::string::npos);
  // Its indicator keeps what it had: never verified.
  CHECK(metric_value(text,
                     "campus_indicator_status{dimension=\"支撑条件与网络安全\",edition="
                     "\"higher\",indicator=\"H-4.1.3.2\",scene=\"校园管理\"}") == -1);
  const auto checks = nlohmann::json::parse(http_request(base + "/api/checks").body);
  REQUIRE(checks.size() == 2);
  for (const auto& c : checks) {
    if (c["id"] == "closed") {
      CHECK(c["in_window"] == false);
      CHECK(c["active"] == "every day 00:00-24:00 +08:00 term-2020");
      CHECK(c["last"].is_null());
    } else {
      CHECK(c["in_window"] == true);
    }
  }
  // The page carries the same state for its first paint (and says "out of its window" from it).
  CHECK(http_request(base + "/").body.find(R"("id":"closed","in_window":false)") !=
        std::string::npos);
  agent.signal(SIGTERM);
  CHECK(agent.wait(10s) == 0);
}

TEST_CASE("a site redirecting to a 90,000-character token leaves the daemon running and redacted") {
  // The redactor once recursed per character (std::regex) and a probed site could crash the
  // agent through its scheduled runs' evidence, /probe debug output or `probe --debug`.
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string config = dir.file(
      "campus.yaml", "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                         ", default_interval: 1s, default_timeout: 1s}\n"
                         "evidence: {dir: " +
                         dir.path() +
                         "/evidence}\n"
                         "checks:\n  - {id: huge, probe: http, target: \"http://127.0.0.1:" +
                         server("MISBEHAVE_HUGETOKEN_PORT") +
                         "/\", params: {body_must_match: nothing-like-this}}\n");
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", config}, dir.path() + "/agent.log");
  REQUIRE_MESSAGE(wait_until([&] {
                    return metric_value(http_request(base + "/metrics").body,
                                        "campus_probe_runs_total{check=\"huge\",result=\"fail\"}")
                               .value_or(0) >= 2;
                  }),
                  agent.output());
  const auto debug = http_request(base + "/probe?check=huge&debug=true");
  CHECK(debug.status == 200);
  CHECK(debug.body.find("token=[redacted]") != std::string::npos);
  CHECK(debug.body.find("aaaaaaaaaa") == std::string::npos);
  Process cli({CAMPUS_PROBE_BIN, "probe", "--config", config, "huge", "--debug"},
              dir.path() + "/probe.log");
  CHECK(cli.wait(20s) == 1);
  CHECK(cli.output().find("token=[redacted]") != std::string::npos);
  agent.signal(SIGTERM);
  CHECK(agent.wait(10s) == 0);
}

TEST_CASE("/probe runs are bounded by agent.concurrency: the rest are refused with 503") {
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string config = dir.file(
      "campus.yaml", "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                         ", concurrency: 2, default_interval: 1h, default_timeout: 2s}\n"
                         "checks:\n  - {id: silent, probe: http, target: \"http://127.0.0.1:" +
                         server("MISBEHAVE_SILENT_PORT") + "/\"}\n");
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", config}, dir.path() + "/agent.log");
  REQUIRE_MESSAGE(wait_until([&] { return http_request(base + "/metrics").status == 200; }),
                  agent.output());
  std::vector<long> statuses(6);
  std::vector<std::thread> clients;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    clients.emplace_back(
        [&, i] { statuses[i] = http_request(base + "/probe?check=silent").status; });
  }
  for (auto& c : clients)
    c.join();
  CHECK(std::count(statuses.begin(), statuses.end(), 200) == 2);
  CHECK(std::count(statuses.begin(), statuses.end(), 503) == 4);
  // Once they are done, /probe runs again.
  CHECK(http_request(base + "/probe?check=silent").status == 200);
  agent.signal(SIGTERM);
  CHECK(agent.wait(10s) == 0);
}

TEST_CASE("HEAD gets GET's headers, Content-Length included, and no body") {
  TempDir dir;
  const int port = free_port();
  const std::string config =
      dir.file("campus.yaml", "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                                  "}\nchecks:\n  - {id: web, probe: tcp, target: \"127.0.0.1:" +
                                  server("NGINX_HTTP_PORT") + "\"}\n");
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", config}, dir.path() + "/agent.log");
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  REQUIRE_MESSAGE(wait_until([&] { return http_request(base + "/metrics").status == 200; }),
                  agent.output());
  const int fd = connect_loopback(port);
  REQUIRE(fd >= 0);
  const std::string request = "HEAD /metrics HTTP/1.1\r\nHost: campus\r\nConnection: close\r\n\r\n";
  REQUIRE(write(fd, request.data(), request.size()) == ssize_t(request.size()));
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;)
    answer.append(buffer, std::size_t(n));
  close(fd);
  INFO(answer);
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  const auto length = answer.find("Content-Length: ");
  REQUIRE(length != std::string::npos);
  CHECK(std::stoul(answer.substr(length + 16)) > 100);
  const auto end = answer.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  CHECK(answer.size() == end + 4);  // nothing after the headers
  agent.signal(SIGTERM);
  CHECK(agent.wait(10s) == 0);
}
