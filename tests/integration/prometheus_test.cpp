// A real Prometheus scrapes the agent, and a real Pushgateway receives its pushes.

#include <fstream>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;

namespace {

// With `reloaded`, web-down is gone and web-status has another system and indicator.
std::string config(int port, const std::string& instance, bool reloaded = false) {
  return "agent: {listen: 127.0.0.1:" + std::to_string(port) +
         ", default_interval: 1s, default_timeout: 1s}\n"
         "editions: [higher]\n"
         "push: {pushgateway: \"http://127.0.0.1:" +
         server("PUSHGATEWAY_PORT") +
         "\", job: campus-probe, interval: 1s, grouping: {instance: " + instance +
         "}}\n"
         "checks:\n"
         "  - id: web-status\n    probe: http\n    target: http://127.0.0.1:" +
         server("NGINX_HTTP_PORT") +
         (reloaded
              ? "/status.json\n    labels: {system: portal}\n"
                "    indicators: [H-3.4.1.1]\n"
              : "/status.json\n    labels: {system: website}\n"
                "    indicators: [H-3.4.3.1]\n"
                "  - id: web-down\n    probe: tcp\n    target: 127.0.0.1:1\n    labels: {system: "
                "network}\n"
                "    indicators: [H-4.1.1.2]\n");
}

// The value of the first sample of a PromQL instant query, if any.
std::optional<std::string> query(int prometheus_port, const std::string& promql) {
  std::string escaped;
  for (char c : promql) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      escaped += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      escaped += hex;
    }
  }
  auto reply = http_request("http://127.0.0.1:" + std::to_string(prometheus_port) +
                            "/api/v1/query?query=" + escaped);
  if (reply.status != 200) return std::nullopt;
  auto json = nlohmann::json::parse(reply.body, nullptr, false);
  if (json.is_discarded() || json["data"]["result"].empty()) return std::nullopt;
  return json["data"]["result"][0]["value"][1].get<std::string>();
}

}  // namespace

TEST_CASE(
    "a real Prometheus scrapes the probe and indicator series, and the info series follow a "
    "reload") {
  TempDir dir;
  const int port = free_port();
  Process agent({CAMPUS_PROBE_BIN, "run", "--config",
                 dir.file("campus.yaml", config(port, "prometheus-test"))},
                dir.path() + "/agent.log");
  REQUIRE(wait_until([&] {
    return http_request("http://127.0.0.1:" + std::to_string(port) + "/-/ready").status == 200;
  }));
  Process starter({CAMPUS_SERVERS_DIR "/start-prometheus.sh", dir.path() + "/prometheus",
                   "127.0.0.1:" + std::to_string(port)},
                  dir.path() + "/start-prometheus.out");
  REQUIRE_MESSAGE(starter.wait(60s) == 0, starter.output());
  int prometheus_port = 0;
  pid_t prometheus_pid = 0;
  {
    std::istringstream lines(starter.output());
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("PROMETHEUS_PORT=", 0) == 0) prometheus_port = std::stoi(line.substr(16));
      if (line.rfind("PROMETHEUS_PID=", 0) == 0) prometheus_pid = std::stoi(line.substr(15));
    }
  }
  REQUIRE(prometheus_port > 0);
  CHECK(wait_until(
      [&] { return query(prometheus_port, "campus_probe_success{check=\"web-status\"}") == "1"; },
      20s));
  CHECK(query(prometheus_port, "campus_probe_success{check=\"web-down\",system=\"network\"}") ==
        "0");
  CHECK(query(prometheus_port,
              "campus_indicator_status{indicator=\"H-3.4.3.1\",edition=\"higher\"}") == "1");
  CHECK(query(prometheus_port, "campus_indicator_status{indicator=\"H-4.1.1.2\"}") == "0");
  CHECK(query(prometheus_port, "campus_indicator_status{indicator=\"H-1.1.1.1\"}") == "-1");
  CHECK(query(prometheus_port, "count(campus_indicator_status{edition=\"higher\"})") == "61");

  // The info series the rules and the dashboard join on come scraped, with the agent's labels,
  // one per indicator of the enabled edition and one per check and indicator it proves.
  const std::string news = "校内外人员能获取学校发布的各类动态信息";
  CHECK(query(prometheus_port, "count(campus_indicator_info{edition=\"higher\"})") == "61");
  CHECK(query(prometheus_port, "count(campus_indicator_info{edition=\"secondary\"})") ==
        std::nullopt);
  CHECK(query(prometheus_port,
              "campus_indicator_info{job=\"campus-probe\",instance=\"127.0.0.1:" +
                  std::to_string(port) +
                  "\",edition=\"higher\",indicator=\"H-3.4.3.1\",indicator_text=\"" + news +
                  "\",indicator_text_en=~\".+\",dimension=\"管理服务\",scene=\"公共服务\"}") ==
        "1");
  CHECK(query(prometheus_port,
              "campus_check_indicator{check=\"web-status\",system=\"website\",edition=\"higher\","
              "indicator=\"H-3.4.3.1\",indicator_text=\"" +
                  news + "\"}") == "1");
  CHECK(query(prometheus_port, "count(campus_check_indicator)") == "2");
  // The joins of the rules work on them.
  CHECK(query(prometheus_port,
              "count(campus_check_indicator and on (instance, job, check) "
              "campus_probe_success == 0)") == "1");

  // A reload: web-down is gone, web-status moves to another system and proves another
  // indicator. The old series go, the new ones come, nothing is left behind.
  dir.file("campus.yaml", config(port, "prometheus-test", true));
  REQUIRE(http_request("http://127.0.0.1:" + std::to_string(port) + "/-/reload", "POST").status ==
          200);
  CHECK(wait_until(
      [&] {
        return query(
                   prometheus_port,
                   "campus_check_indicator{check=\"web-status\",system=\"portal\","
                   "indicator=\"H-3.4.1.1\",indicator_text=\"校内人员能使用一卡通在校内消费\"}") ==
                   "1" &&
               query(prometheus_port, "count(campus_check_indicator)") == "1";
      },
      20s));
  CHECK(query(prometheus_port, "campus_check_indicator{check=\"web-down\"}") == std::nullopt);
  CHECK(query(prometheus_port, "campus_check_indicator{indicator=\"H-3.4.3.1\"}") == std::nullopt);
  CHECK(query(prometheus_port, "count(campus_indicator_info{edition=\"higher\"})") == "61");
  kill(prometheus_pid, SIGTERM);
  agent.signal(SIGTERM);
  CHECK(agent.wait(5s) == 0);
}

TEST_CASE("a real Pushgateway receives the metrics of the agent") {
  TempDir dir;
  const int port = free_port();
  Process agent(
      {CAMPUS_PROBE_BIN, "run", "--config", dir.file("campus.yaml", config(port, "push-test"))},
      dir.path() + "/agent.log");
  REQUIRE(wait_until([&] {
    return http_request("http://127.0.0.1:" + std::to_string(port) + "/-/ready").status == 200;
  }));
  const std::string gateway = "http://127.0.0.1:" + server("PUSHGATEWAY_PORT") + "/metrics";
  const std::string series =
      "campus_probe_success{check=\"web-status\",instance=\"push-test\",job=\"campus-probe\","
      "probe=\"http\",system=\"website\"}";
  CHECK_MESSAGE(
      wait_until([&] { return metric_value(http_request(gateway).body, series) == 1; }, 20s),
      agent.output());
  CHECK(metric_value(http_request(gateway).body,
                     "campus_indicator_status{dimension=\"管理服务\",edition=\"higher\","
                     "indicator=\"H-3.4.3.1\",instance=\"push-test\",job=\"campus-probe\","
                     "scene=\"公共服务\"}") == 1);
  agent.signal(SIGTERM);
  CHECK(agent.wait(5s) == 0);
  CHECK(agent.output().find("push to") == std::string::npos);  // no failed pushes logged
}
