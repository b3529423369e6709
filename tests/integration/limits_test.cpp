// The agent's resource limits end to end: a flood of idle connections against an agent with few
// file descriptors, a slowloris client, oversized requests, and large response bodies against
// a small body budget.

#include <algorithm>
#include <fstream>
#include <future>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <set>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;

namespace limits_test {

using Clock = std::chrono::steady_clock;

bool send_text(int fd, const std::string& text) {
  return send(fd, text.data(), text.size(), MSG_NOSIGNAL) == ssize_t(text.size());
}

// Whether the peer has closed the connection (waiting up to `wait`).
bool peer_closed(int fd, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, int(wait.count())) <= 0) return false;
  char buffer[4096];
  return recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) <= 0;
}

// The agent of `config` (listening on `port`), once it answers /-/ready.
std::unique_ptr<Process> ready_agent(const TempDir& dir, int port, const std::string& config) {
  auto agent =
      std::make_unique<Process>(std::vector<std::string>{CAMPUS_PROBE_BIN, "run", "--config",
                                                         dir.file("campus.yaml", config)},
                                dir.path() + "/agent.log");
  const std::string ready = "http://127.0.0.1:" + std::to_string(port) + "/-/ready";
  REQUIRE_MESSAGE(wait_until([&] { return http_request(ready).status == 200; }), agent->output());
  return agent;
}

// An agent with one tcp check, for tests of its listener.
std::string one_check_config(int port) {
  return "agent: {listen: 127.0.0.1:" + std::to_string(port) +
         "}\nchecks:\n  - {id: web, probe: tcp, target: \"127.0.0.1:" + server("NGINX_HTTP_PORT") +
         "\"}\n";
}

// Sends `request` and reads the answer until the agent closes the connection.
std::string ask(int port, const std::string& request) {
  const int fd = connect_loopback(port);
  REQUIRE(fd >= 0);
  send_text(fd, request);
  std::string answer;
  char buffer[4096];
  const auto deadline = Clock::now() + 5s;
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, std::size_t(n));
  }
  close(fd);
  return answer;
}

// A value in kB from /proc/PID/status ("VmRSS", "VmHWM").
long status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

TEST_CASE("an idle-connection flood leaves /metrics and the checks working at 256 descriptors") {
  // The test's own end needs a descriptor per connection too.
  rlimit own{};
  getrlimit(RLIMIT_NOFILE, &own);
  own.rlim_cur = own.rlim_max;
  setrlimit(RLIMIT_NOFILE, &own);

  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string nginx = "127.0.0.1:" + server("NGINX_HTTP_PORT");
  std::string config = "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                       ", default_interval: 1s, default_timeout: 1s}\nchecks:\n";
  for (int i = 0; i < 4; ++i)
    config += "  - {id: tcp-" + std::to_string(i) + ", probe: tcp, target: \"" + nginx + "\"}\n";
  config += "  - {id: web, probe: http, target: \"http://" + nginx + "/status.json\"}\n";
  const std::string file = dir.file("campus.yaml", config);
  Process agent({"/usr/bin/prlimit", "--nofile=256:256", CAMPUS_PROBE_BIN, "run", "--config", file},
                dir.path() + "/agent.log");
  REQUIRE_MESSAGE(wait_until([&] { return http_request(base + "/-/ready").status == 200; }),
                  agent.output());
  CHECK(agent.output().find("open-files limit 256") != std::string::npos);
  CHECK(agent.output().find("at most 64 connections") != std::string::npos);

  // Twice the agent's descriptors, saying nothing.
  std::vector<int> flood;
  for (int i = 0; i < 512; ++i) {
    const int fd = connect_loopback(port);
    if (fd >= 0) flood.push_back(fd);
  }
  CHECK(flood.size() == 512);
  const auto flooded = Clock::now();
  std::this_thread::sleep_for(500ms);
  for (int i = 0; i < 5; ++i) {
    const auto reply = http_request(base + "/metrics", "GET", 2s);
    CHECK(reply.status == 200);
    CHECK(reply.seconds < 1.0);
    std::this_thread::sleep_for(500ms);
  }
  // Every check ran during the flood (each runs once a second) and none failed.
  std::this_thread::sleep_for(1500ms);
  const std::string text = http_request(base + "/metrics", "GET", 2s).body;
  CHECK(Clock::now() - flooded < 9s);  // before the read timeout clears the flood by itself
  for (const std::string& id :
       std::vector<std::string>{"tcp-0", "tcp-1", "tcp-2", "tcp-3", "web"}) {
    INFO(id);
    CHECK(metric_value(text, "campus_probe_runs_total{check=\"" + id + "\",result=\"pass\"}")
              .value_or(0) >= 3);
    CHECK_FALSE(
        metric_value(text, "campus_probe_runs_total{check=\"" + id + "\",result=\"fail\"}"));
  }
  CHECK(text.find("kind=\"connect\"") == std::string::npos);
  CHECK(metric_value(text, "campus_http_connections_limit") == 64);
  CHECK(metric_value(text, "campus_http_connections") <= 64);
  CHECK(metric_value(text, "campus_http_connections_closed_total{reason=\"evicted\"}") >= 448);
  for (int fd : flood)
    close(fd);
  CHECK(wait_until([&] {
    return agent.output().find("HTTP listener below its cap of 64 connections again") !=
           std::string::npos;
  }));
  const std::string log = agent.output();
  CHECK(log.find("connections open, its cap (agent.max_connections)") != std::string::npos);
  agent.signal(SIGTERM);
  CHECK(agent.wait(10s) == 0);
}

TEST_CASE("the listener cuts off a slowloris client after the read timeout") {
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const auto agent = ready_agent(dir, port, one_check_config(port));
  const int fd = connect_loopback(port);
  REQUIRE(fd >= 0);
  const auto started = Clock::now();
  bool open = send_text(fd, "GET /metrics HTTP/1.1\r\nHost: campus\r\n");
  for (int line = 0; open && Clock::now() - started < 20s; ++line) {
    // One header line every half second: never finishing, never silent.
    open = send_text(fd, "X-Slow-" + std::to_string(line) + ": y\r\n") && !peer_closed(fd, 500ms);
    if (open && Clock::now() - started > 2s && Clock::now() - started < 3s) {
      CHECK(http_request(base + "/metrics", "GET", 2s).status == 200);  // others are served
    }
  }
  const double lasted = std::chrono::duration<double>(Clock::now() - started).count();
  close(fd);
  CHECK_FALSE(open);
  CHECK(lasted >= 9.5);  // the read timeout is 10 s
  CHECK(lasted < 12.5);
  CHECK(metric(base, "campus_http_connections_closed_total{reason=\"read_timeout\"}") >= 1);
  agent->signal(SIGTERM);
  CHECK(agent->wait(10s) == 0);
}

TEST_CASE("oversized requests to the listener get 431 or 413, and the agent goes on") {
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const auto agent = ready_agent(dir, port, one_check_config(port));
  const std::string huge_header =
      ask(port, "GET /metrics HTTP/1.1\r\nHost: campus\r\nX-Big: " + std::string(100000, 'a') +
                    "\r\n\r\n");
  CHECK(huge_header.rfind("HTTP/1.1 431", 0) == 0);
  const std::string huge_body =
      ask(port,
          "POST /api/maintenance HTTP/1.1\r\nHost: campus\r\nContent-Type: "
          "application/json\r\nContent-Length: 4194304\r\n\r\n" +
              std::string(1 << 20, ' '));
  CHECK(huge_body.rfind("HTTP/1.1 413", 0) == 0);
  const std::string chunked =
      ask(port,
          "POST /api/maintenance HTTP/1.1\r\nHost: campus\r\nTransfer-Encoding: "
          "chunked\r\n\r\n200000\r\n" +
              std::string(0x200000, ' ') + "\r\n0\r\n\r\n");
  CHECK(chunked.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(http_request(base + "/metrics").status == 200);
  CHECK(metric(base, "campus_http_connections_closed_total{reason=\"too_large\"}") == 3);
  agent->signal(SIGTERM);
  CHECK(agent->wait(10s) == 0);
}

TEST_CASE("large bodies of concurrent runs stop at the body budget, and the agent stays small") {
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string target = "http://127.0.0.1:" + server("MISBEHAVE_BIGBODY_PORT");
  std::string config = "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                       ", body_budget: 16MiB, default_interval: 1h, default_timeout: 20s}\n"
                       "checks:\n";
  for (int i = 0; i < 6; ++i) {
    config += "  - {id: big-" + std::to_string(i) + ", probe: http, target: \"" + target +
              "/8388608\", params: {max_body_bytes: 16777216}}\n";
  }
  const auto agent = ready_agent(dir, port, config);
  const long rss_before = status_kb(agent->pid(), "VmRSS");

  // 6 x 8 MiB at once against 16 MiB.
  std::vector<std::future<HttpReply>> runs;
  for (int i = 0; i < 6; ++i) {
    runs.push_back(std::async(std::launch::async, [&, i] {
      return http_request(base + "/probe?check=big-" + std::to_string(i) + "&debug=true", "GET",
                          30s);
    }));
  }
  int cut = 0;
  for (auto& run : runs) {
    const HttpReply reply = run.get();
    CHECK(reply.status == 200);
    if (reply.body.find("response body budget exhausted: 16 MiB buffered by runs in flight") !=
        std::string::npos) {
      ++cut;
      CHECK(reply.body.find("verdict:  error") != std::string::npos);
    }
  }
  CHECK(cut >= 1);
  const long grown_kb = status_kb(agent->pid(), "VmHWM") - rss_before;
  INFO("peak RSS grew by " << grown_kb << " kB");
  CHECK(grown_kb < 32 * 1024);  // 48 MiB of bodies without the budget
  CHECK(metric(base, "campus_body_budget_exhausted_total") >= 1);
  CHECK(metric(base, "campus_body_buffered_bytes") == 0);
  CHECK(metric(base, "campus_body_budget_bytes") == 16 << 20);

  // With the budget free again, a run gets its whole body.
  const HttpReply later = http_request(base + "/probe?check=big-0&debug=true", "GET", 30s);
  CHECK(later.body.find("verdict:  pass") != std::string::npos);
  agent->signal(SIGTERM);
  CHECK(agent->wait(10s) == 0);
}

TEST_CASE(
    "a scenario step whose body would exceed the body budget fails with the budget's reason") {
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string target = "http://127.0.0.1:" + server("MISBEHAVE_BIGBODY_PORT");
  auto scenario = [&](const std::string& id, const std::string& path) {
    return "  - {id: " + id + ", probe: scenario, target: \"" + target +
           "\", params: {max_body_bytes: 16777216, steps: [{name: fetch, url: " + path +
           ", expect: {status: 200}}]}}\n";
  };
  const auto agent =
      ready_agent(dir, port,
                  "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                      ", body_budget: 1MiB, default_interval: 1h, default_timeout: 10s}\n"
                      "checks:\n" +
                      scenario("big", "/4194304") + scenario("small", "/65536"));
  const HttpReply big = http_request(base + "/probe?check=big&debug=true", "GET", 20s);
  INFO(big.body);
  CHECK(big.body.find("response body budget exhausted: 1 MiB buffered by runs in flight") !=
        std::string::npos);
  CHECK(big.body.find("(internal)") != std::string::npos);
  CHECK(metric(base, "campus_body_buffered_bytes") == 0);
  const HttpReply small = http_request(base + "/probe?check=small&debug=true", "GET", 20s);
  CHECK(small.body.find("verdict:  pass") != std::string::npos);
  agent->signal(SIGTERM);
  CHECK(agent->wait(10s) == 0);
}

TEST_CASE(
    "a target's JSON nested 100,000 deep fails its checks with the limit, and nothing crashes") {
  // Parsing such a body is iterative, but walking, comparing or serialising it recurses once per
  // level: the agent refuses it at the nesting limit, names the limit, and keeps running.
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string target = "http://127.0.0.1:" + server("MISBEHAVE_BIGBODY_PORT");
  const std::string deep = target + "/deep-json?depth=100000";
  const auto agent = ready_agent(
      dir, port,
      "agent: {listen: 127.0.0.1:" + std::to_string(port) +
          ", default_interval: 1s, default_timeout: 900ms}\n"
          "evidence: {dir: " +
          dir.path() +
          "/evidence}\n"
          "checks:\n"
          "  - {id: deep-http, probe: http, target: \"" +
          deep +
          "\", params: {json_assert: [\"/0 exists\"]}}\n"
          "  - {id: deep-step, probe: scenario, target: \"" +
          target +
          "\", params: {steps: [{name: api, url: \"/deep-json?depth=100000\", extract: [{var: x, "
          "json: /0}]}]}}\n"
          "  - {id: deep-feed, probe: feed, target: \"" +
          deep +
          "\"}\n"
          "  - {id: deep-oidc, probe: oidc, target: \"" +
          target + "/deep-json\"}\n");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"deep-http", "response JSON nested more than 128 levels"},
      {"deep-step", "response JSON nested more than 128 levels"},
      {"deep-feed", "feed JSON nested more than 128 levels"},
      {"deep-oidc", "discovery: response JSON nested more than 128 levels"}};
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        const std::string text = http_request(base + "/metrics").body;
                        return std::all_of(expected.begin(), expected.end(), [&](const auto& e) {
                          return metric_value(text, "campus_probe_runs_total{check=\"" + e.first +
                                                        "\",result=\"fail\"}")
                                     .value_or(0) >= 2;
                        });
                      },
                      20s),
                  agent->output());
  for (const auto& [id, reason] : expected) {
    INFO(id);
    const HttpReply detail = http_request(base + "/api/checks/" + id);
    REQUIRE(detail.status == 200);
    CHECK(nlohmann::json::parse(detail.body).dump().find(reason) != std::string::npos);
  }
  CHECK(http_request(base + "/api/checks").status == 200);
  const HttpReply records = http_request(base + "/api/evidence?since=1h");
  REQUIRE(records.status == 200);
  const auto parsed = nlohmann::json::parse(records.body);
  CHECK(std::count_if(parsed.begin(), parsed.end(), [](const auto& r) {
          return r.value("type", "") == "run" && r.value("verdict", "") == "fail";
        }) >= 4);
  CHECK(http_request(base + "/metrics").status == 200);
  agent->signal(SIGTERM);
  CHECK(agent->wait(10s) == 0);
  Process verify({CAMPUS_PROBE_BIN, "evidence", "verify", dir.path() + "/evidence"},
                 dir.path() + "/verify.log");
  CHECK_MESSAGE(verify.wait(20s) == 0, verify.output());
}

TEST_CASE("runs that find no descriptor for their socket say so as internal, not as connect") {
  // 150 checks against a target that holds every connection open until the run times out
  // (about 140 connections at any moment), in an agent allowed 64 descriptors: some runs cannot
  // open a socket at all. That is the agent's limit, not the
  // target refusing connections, and the runs must say which.
  TempDir dir;
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string silent = "127.0.0.1:" + server("MISBEHAVE_SILENT_PORT");
  std::string config = "agent: {listen: 127.0.0.1:" + std::to_string(port) +
                       ", concurrency: 256, default_interval: 2s, default_timeout: 1900ms}\n"
                       "checks:\n";
  for (int i = 0; i < 150; ++i) {
    config += "  - {id: web-" + std::to_string(i) + ", probe: http, target: \"http://" + silent +
              "/\"}\n";
  }
  for (int i = 0; i < 32; ++i)
    config += "  - {id: tcp-" + std::to_string(i) + ", probe: tcp, target: \"" + silent + "\"}\n";
  const std::string file = dir.file("campus.yaml", config);
  Process agent({"/usr/bin/prlimit", "--nofile=64:64", CAMPUS_PROBE_BIN, "run", "--config", file},
                dir.path() + "/agent.log");
  std::set<std::string> out_of_descriptors;
  std::set<std::string> kinds;
  const std::string reason = "out of file descriptors (open files limit 64)";
  wait_until(
      [&] {
        const HttpReply reply = http_request(base + "/api/checks", "GET", 2s);
        if (reply.status != 200) return false;
        for (const auto& c : nlohmann::json::parse(reply.body)) {
          if (!c["last"].is_object()) continue;
          kinds.insert(c["last"]["kind"].get<std::string>());
          if (c["last"]["reason"].get<std::string>().find(reason) != std::string::npos) {
            CHECK(c["last"]["kind"] == "internal");
            out_of_descriptors.insert(c["id"].get<std::string>().substr(0, 3));
          }
        }
        return out_of_descriptors.size() == 2;
      },
      30s);
  INFO(agent.output());
  CHECK(out_of_descriptors.count("web") == 1);
  CHECK(out_of_descriptors.count("tcp") == 1);
  CHECK(kinds.count("connect") == 0);
  agent.signal(SIGTERM);
  CHECK(agent.wait(10s) == 0);
}

}  // namespace limits_test
