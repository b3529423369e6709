// The secured listener end to end, with the curl and openssl command-line tools against the
// running agent: TLS, bearer tokens and Basic users with their roles, client certificates (none,
// from another CA, expired, valid), the refusal of an open non-loopback listener, and a renewed
// certificate put in place by a reload.

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;

namespace web_listener_test {

constexpr const char* kAdminToken = "admin-token-0123456789abcdef";
constexpr const char* kScraperToken = "scraper-token-0123456789abcdef";

struct Shell {
  int status = -1;  ///< the exit code, or -1
  std::string output;
};

// Runs `command` with /bin/sh, stdout and stderr together.
Shell sh(const std::string& command) {
  Shell result;
  FILE* pipe = popen(("(" + command + "\n) 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe))
    result.output.append(buffer.data(), n);
  const int raw = pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A CA, the server's certificate for 127.0.0.1 and a renewed one, client certificates from the
// CA (valid and expired) and one from another CA; written with the openssl tool.
void make_pki(const TempDir& dir) {
  dir.file("ext.cnf", "subjectAltName=IP:127.0.0.1\n");
  dir.file("ca.cnf",
           "[ca]\ndefault_ca = d\n[d]\ndatabase = db/index.txt\nnew_certs_dir = db\nserial = "
           "db/serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n");
  const std::string script = R"(set -e
newkey='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
openssl req -x509 $newkey -keyout ca.key -out ca.crt -days 30 -subj /CN=campus-test-ca
openssl req -x509 $newkey -keyout other-ca.key -out other-ca.crt -days 30 -subj /CN=other-ca
for name in server renewed client stranger expired; do
  openssl req $newkey -keyout $name.key -out $name.csr -subj /CN=campus-$name
done
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out server.crt
openssl x509 -req -in renewed.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out renewed.crt
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -out client.crt
openssl x509 -req -in stranger.csr -CA other-ca.crt -CAkey other-ca.key -CAcreateserial -days 30 -out stranger.crt
mkdir db && touch db/index.txt && echo 01 > db/serial
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr -out expired.crt -startdate 20200101000000Z -enddate 20200201000000Z -notext
cp server.crt tls.crt && cp server.key tls.key
chmod 600 *.key
)";
  const auto made = sh("cd " + quoted(dir.path()) + " && " + script);
  REQUIRE_MESSAGE(made.status == 0, made.output);
}

// `campus-probe web hash-password` or `web hash-token` of `secret`.
std::string web_hash(const std::string& verb, const std::string& secret) {
  const auto out = sh("printf %s " + quoted(secret) + " | " + CAMPUS_PROBE_BIN + " web " + verb +
                      (verb == "hash-password" ? " --cost 4" : ""));
  REQUIRE_MESSAGE(out.status == 0, out.output);
  std::string value = out.output;
  while (!value.empty() && value.back() == '\n')
    value.pop_back();
  return value;
}

// curl against the agent: the HTTP status, or 0 when no answer came (a refused handshake).
long curl_status(const TempDir& dir, const std::string& args) {
  const auto out = sh("curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert " +
                      quoted(dir.path() + "/ca.crt") + " " + args);
  return std::strtol(out.output.c_str(), nullptr, 10);
}

std::string bearer(const std::string& token) {
  return "-H " + quoted("Authorization: Bearer " + token);
}

// An agent with the given web config on 127.0.0.1 (or `host`), a check and an evidence log.
std::string agent_config(const TempDir& dir, int port, const std::string& web_config,
                         const std::string& host = "127.0.0.1", const std::string& extra = "") {
  return "agent: {listen: " + host + ":" + std::to_string(port) +
         ", default_interval: 1s, default_timeout: 1s" +
         (web_config.empty() ? "" : ", web_config: " + web_config) + extra +
         "}\nevidence: {dir: " + dir.path() +
         "/evidence}\nchecks:\n  - {id: self, probe: tcp, target: \"127.0.0.1:" +
         std::to_string(port) + "\"}\n";
}

std::unique_ptr<Process> start_agent(const TempDir& dir, const std::string& config) {
  return std::make_unique<Process>(std::vector<std::string>{CAMPUS_PROBE_BIN, "run", "--config",
                                                            dir.file("campus.yaml", config)},
                                   dir.path() + "/agent.log");
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

std::string web_yml(const std::string& scraper_password_hash) {
  return "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n"
         "basic_auth_users:\n  prometheus: " +
         scraper_password_hash +
         "\nbearer_tokens:\n  - {name: vmagent, sha256: " + web_hash("hash-token", kScraperToken) +
         "}\n  - {name: ops, sha256: " + web_hash("hash-token", kAdminToken) +
         "}\nroles:\n  prometheus: scraper\n  vmagent: scraper\n  ops: admin\n";
}

TEST_CASE("web listener: TLS, tokens, Basic users and roles against the running agent") {
  TempDir dir;
  make_pki(dir);
  const std::string password = "scrape pass: 1";
  dir.file("web.yml", web_yml(web_hash("hash-password", password)));
  std::filesystem::permissions(dir.path() + "/web.yml", std::filesystem::perms(0600));
  const int port = free_port();
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  auto agent = start_agent(dir, agent_config(dir, port, "web.yml"));
  REQUIRE_MESSAGE(wait_until([&] {
                    return curl_status(dir, bearer(kAdminToken) + " " + base + "/-/ready") == 200;
                  }),
                  agent->output());
  CHECK(agent->output().find("listening on https://127.0.0.1:") != std::string::npos);

  // Refused, one after another from one address: one log line for the episode.
  const auto headers = sh("curl -s -D - -o /dev/null --cacert " + quoted(dir.path() + "/ca.crt") +
                          " " + base + "/metrics");
  CHECK(headers.output.find("HTTP/1.1 401") == 0);
  CHECK(headers.output.find("WWW-Authenticate: Basic realm=\"campus-probe\"") != std::string::npos);
  for (int i = 0; i < 4; ++i)
    CHECK(curl_status(dir, bearer("wrong-token") + " " + base + "/metrics") == 401);
  CHECK(curl_status(dir, "-u " + quoted("prometheus:wrong password") + " " + base + "/metrics") ==
        401);
  CHECK(curl_status(dir, "-u " + quoted("nobody:" + password) + " " + base + "/metrics") == 401);
  // Plain HTTP gets no answer from a TLS listener.
  CHECK(curl_status(dir, bearer(kAdminToken) + " -X POST http://127.0.0.1:" + std::to_string(port) +
                             "/-/reload") == 0);
  CHECK(count(agent->output(), "refused a request from 127.0.0.1") == 1);

  // The scraper reads what Prometheus and the status page need, and nothing more.
  CHECK(curl_status(dir, bearer(kScraperToken) + " " + base + "/metrics") == 200);
  CHECK(curl_status(dir, bearer(kScraperToken) + " " + base + "/") == 200);
  CHECK(curl_status(dir, bearer(kScraperToken) + " " + base + "/api/checks") == 200);
  CHECK(curl_status(dir, bearer(kScraperToken) + " " + base + "/probe?check=self") == 200);
  CHECK(curl_status(dir, bearer(kScraperToken) + " " + base + "/api/evidence") == 403);
  CHECK(curl_status(dir, bearer(kScraperToken) + " -X POST " + base + "/-/reload") == 403);
  CHECK(curl_status(dir, bearer(kScraperToken) + " " + base + "/api/maintenance") == 403);
  // Basic with a bcrypt user: twice (the second from the cache of verified logins).
  for (int i = 0; i < 2; ++i) {
    CHECK(curl_status(dir, "-u " + quoted("prometheus:" + password) + " " + base + "/metrics") ==
          200);
  }
  CHECK(curl_status(dir, "-u " + quoted("prometheus:" + password) + " " + base + "/api/evidence") ==
        403);

  // The listener's limits hold over TLS: oversized headers get 431, before any credential.
  CHECK(curl_status(dir, "-H " + quoted("X-Padding: " + std::string(20000, 'x')) + " " + base +
                             "/metrics") == 431);

  // The admin may do everything.
  CHECK(curl_status(dir, bearer(kAdminToken) + " " + base + "/api/evidence") == 200);
  CHECK(curl_status(dir, bearer(kAdminToken) + " -X POST " + base + "/-/reload") == 200);
  CHECK(curl_status(dir, bearer(kAdminToken) + " " + base + "/api/maintenance") == 200);

  const auto metrics = sh("curl -s --cacert " + quoted(dir.path() + "/ca.crt") + " " +
                          bearer(kAdminToken) + " " + base + "/metrics");
  CHECK(metric_value(metrics.output, "campus_http_auth_failures_total{reason=\"bad_token\"}") == 4);
  CHECK(metric_value(metrics.output, "campus_http_auth_failures_total{reason=\"missing\"}") == 1);
  CHECK(metric_value(metrics.output, "campus_http_auth_failures_total{reason=\"bad_password\"}") ==
        1);
  CHECK(metric_value(metrics.output, "campus_http_auth_failures_total{reason=\"forbidden\"}") >= 3);
  agent->signal(SIGTERM);
  agent->wait(10s);
  // No credential in the log, the evidence or the metrics.
  const auto evidence = sh("cat " + quoted(dir.path()) + "/evidence/*.jsonl");
  for (const std::string& secret : {std::string(kAdminToken), std::string(kScraperToken), password,
                                    std::string("wrong-token"), std::string("wrong password")}) {
    CAPTURE(secret);
    CHECK(agent->output().find(secret) == std::string::npos);
    CHECK(evidence.output.find(secret) == std::string::npos);
    CHECK(metrics.output.find(secret) == std::string::npos);
  }
  CHECK(agent->output().find("Authorization") == std::string::npos);
}

TEST_CASE("web listener: client certificates from the CA are required and verified") {
  TempDir dir;
  make_pki(dir);
  dir.file("web.yml",
           "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n"
           "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n");
  std::filesystem::permissions(dir.path() + "/web.yml", std::filesystem::perms(0600));
  const int port = free_port();
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  auto agent = start_agent(dir, agent_config(dir, port, "web.yml"));
  const auto with_cert = [&](const std::string& name) {
    return "--cert " + quoted(dir.path() + "/" + name + ".crt") + " --key " +
           quoted(dir.path() + "/" + name + ".key") + " ";
  };
  REQUIRE_MESSAGE(
      wait_until([&] { return curl_status(dir, with_cert("client") + base + "/-/ready") == 200; }),
      agent->output());
  CHECK(curl_status(dir, base + "/metrics") == 0);                          // no certificate
  CHECK(curl_status(dir, with_cert("stranger") + base + "/metrics") == 0);  // another CA
  CHECK(curl_status(dir, with_cert("expired") + base + "/metrics") == 0);   // expired in 2020
  CHECK(curl_status(dir, with_cert("client") + base + "/api/evidence") == 200);

  // A client that starts a handshake and never finishes it is cut off by the read timeout (10 s).
  const int fd = connect_loopback(port);
  REQUIRE(fd >= 0);
  const char partial_hello[] = {0x16, 0x03, 0x01};  // the start of a TLS record, nothing more
  CHECK(send(fd, partial_hello, sizeof partial_hello, MSG_NOSIGNAL) == 3);
  const auto opened = std::chrono::steady_clock::now();
  pollfd p{fd, POLLIN, 0};
  CHECK(poll(&p, 1, 15000) == 1);
  char byte = 0;
  CHECK(recv(fd, &byte, 1, 0) <= 0);  // closed, with nothing said
  CHECK(std::chrono::steady_clock::now() - opened >= 9s);
  close(fd);
  const auto metrics = sh("curl -s --cacert " + quoted(dir.path() + "/ca.crt") + " " +
                          with_cert("client") + base + "/metrics");
  CHECK(metric_value(metrics.output,
                     "campus_http_connections_closed_total{reason=\"tls_handshake\"}") >= 3);
  CHECK(metric_value(metrics.output,
                     "campus_http_connections_closed_total{reason=\"read_timeout\"}") >= 1);
}

TEST_CASE("web listener: an open listener beyond loopback is refused unless insecure") {
  TempDir dir;
  const int port = free_port();
  const std::string open = agent_config(dir, port, "", "0.0.0.0");
  const auto checked =
      sh(std::string(CAMPUS_PROBE_BIN) + " check-config " + quoted(dir.file("campus.yaml", open)));
  CHECK(checked.status == 2);
  CHECK(checked.output.find("agent.listen: listening on 0.0.0.0, beyond this machine, with "
                            "neither TLS nor authentication: anyone on the campus network could "
                            "read the evidence and reports") != std::string::npos);
  auto refused = start_agent(dir, open);
  CHECK(refused->wait(10s) == 2);
  CHECK(refused->output().find("agent.insecure: true") != std::string::npos);

  auto agent = start_agent(dir, agent_config(dir, port, "", "0.0.0.0", ", insecure: true"));
  const std::string ready = "http://127.0.0.1:" + std::to_string(port) + "/-/ready";
  CHECK_MESSAGE(wait_until([&] { return http_request(ready).status == 200; }), agent->output());
}

TEST_CASE(
    "web listener: a reload puts a renewed certificate in place and keeps it over a bad one") {
  TempDir dir;
  make_pki(dir);
  dir.file("web.yml", web_yml(web_hash("hash-password", "unused")));
  std::filesystem::permissions(dir.path() + "/web.yml", std::filesystem::perms(0600));
  const int port = free_port();
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  auto agent = start_agent(dir, agent_config(dir, port, "web.yml"));
  REQUIRE_MESSAGE(wait_until([&] {
                    return curl_status(dir, bearer(kAdminToken) + " " + base + "/-/ready") == 200;
                  }),
                  agent->output());
  const auto served_subject = [&] {
    return sh("openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
              " </dev/null 2>/dev/null | openssl x509 -noout -subject")
        .output;
  };
  CHECK(served_subject().find("CN = campus-server") != std::string::npos);

  const auto reload = [&] {
    return sh("curl -s -w '\\n%{http_code}' --cacert " + quoted(dir.path() + "/ca.crt") + " " +
              bearer(kAdminToken) + " -X POST " + base + "/-/reload")
        .output;
  };
  sh("cd " + quoted(dir.path()) + " && cp renewed.crt tls.crt && cp renewed.key tls.key");
  CHECK(reload().find("reloaded\n\n200") != std::string::npos);
  CHECK(served_subject().find("CN = campus-renewed") != std::string::npos);

  // A broken certificate: the reload fails, says why, and the renewed one stays.
  dir.file("tls.crt",
           "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
  const std::string failed = reload();
  CHECK(failed.find("certificate " + dir.path() + "/tls.crt cannot be used") != std::string::npos);
  CHECK(failed.find("\n500") != std::string::npos);
  CHECK(agent->output().find("reload failed; keeping the running config and certificate") !=
        std::string::npos);
  CHECK(served_subject().find("CN = campus-renewed") != std::string::npos);
  const auto checked =
      sh(std::string(CAMPUS_PROBE_BIN) + " check-config " + quoted(dir.path() + "/campus.yaml"));
  CHECK(checked.status == 2);
  CHECK(checked.output.find("certificate " + dir.path() + "/tls.crt cannot be used") !=
        std::string::npos);
  CHECK(curl_status(dir, bearer(kAdminToken) + " " + base + "/-/healthy") == 200);
}

}  // namespace web_listener_test
