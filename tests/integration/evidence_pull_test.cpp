// Central evidence against running agents on loopback: `evidence pull` copies a signed, MACed
// log that `evidence verify` accepts; a second pull fetches only what is new; an interrupted pull
// resumes; a rewritten or replaced log is refused with the seq where it forks; and `report` over
// two sites' copies gives each site and the campus. Over plain HTTP on loopback, and over the
// secured listener (HTTPS, a bearer token with the admin role, a client certificate).

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <signal.h>
#include <sys/stat.h>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "evidence_support.h"
#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// The HMAC key and the signing key pair of an agent, in `dir`.
struct PullKeys {
  explicit PullKeys(const TempDir& dir)
      : hmac(dir.file("evidence.key", "5b0c1f6e3a5b47d2a9c1e0b4d7f6a3c28f1c0f6e3a5b47d2\n")),
        signing(dir.path() + "/signing.key") {
    chmod(hmac.c_str(), 0600);
    REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "evidence", "keygen", signing}, dir, "keygen.log") == 0);
  }
  std::string evidence_settings() const {
    return "key_file: " + hmac + ", signing_key_file: " + signing +
           ", checkpoint_records: 5, fsync: always, segment_max_bytes: 8192";
  }
  std::string hmac;
  std::string signing;
};

std::string pull_checks(const std::string& target, const std::string& indicators) {
  return "checks:\n  - {id: web, probe: tcp, target: \"" + target + "\", indicators: [" +
         indicators + "]}\n";
}

// The agent's synced head seq (its /api/evidence/head), or -1.
long long agent_head_seq(const EvidenceAgent& agent) {
  const auto reply = http_request(agent.base + "/api/evidence/head");
  if (reply.status != 200) return -1;
  return nlohmann::json::parse(reply.body)["seq"].get<long long>();
}

void wait_for_records(const EvidenceAgent& agent, long long seq) {
  REQUIRE_MESSAGE(wait_until([&] { return agent_head_seq(agent) >= seq; }, 30s),
                  agent.process.output());
}

// "pulled N record(s), seq A to B": {A, B}, or {-1, -1} when nothing was pulled.
std::pair<long long, long long> pulled_range(const std::string& out) {
  std::smatch m;
  static const std::regex pattern(R"(pulled \d+ record\(s\), seq (\d+) to (\d+))");
  if (!std::regex_search(out, m, pattern)) return {-1, -1};
  return {std::stoll(m[1]), std::stoll(m[2])};
}

std::string pulled_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("evidence pull copies a running agent's log incrementally, resumes and refuses forks") {
  TempDir dir;
  const PullKeys keys(dir);
  const std::string nginx = "127.0.0.1:" + server("NGINX_HTTP_PORT");
  const std::string checks = pull_checks(nginx, "H-3.3.1.1");
  const std::string copies = dir.path() + "/central";
  const std::string copy = copies + "/north";
  std::string out;
  std::optional<EvidenceAgent> agent;
  agent.emplace(dir, "default_interval: 200ms, default_timeout: 200ms", checks,
                keys.evidence_settings());
  wait_for_records(*agent, 20);
  const auto pull = [&](const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {CAMPUS_PROBE_BIN, "evidence",     "pull",
                                     agent->base,      "--dir",        copies,
                                     "--site",         "north",        "--key-file",
                                     keys.hmac,        "--public-key", keys.signing + ".pub"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_to_end(argv, dir, name, &out);
  };
  const auto verify_copy = [&](const std::string& name) {
    return run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", copy, "--key", keys.hmac, "--pubkey",
                       keys.signing + ".pub"},
                      dir, name, &out);
  };

  // The first pull copies everything up to the agent's head; verify accepts the copy.
  REQUIRE_MESSAGE(pull("pull1.log") == 0, out);
  const auto first = pulled_range(out);
  CHECK(first.first == 0);
  CHECK(first.second >= 20);
  CHECK(out.find("every MAC verified") != std::string::npos);
  CHECK(out.find("signature(s) verified") != std::string::npos);
  CHECK(pulled_file_text(copy + "/site") == "north\n");
  REQUIRE_MESSAGE(verify_copy("verify1.log") == 0, out);
  CHECK(out.find("intact") != std::string::npos);

  // Later: only the new records come.
  wait_for_records(*agent, first.second + 15);
  REQUIRE_MESSAGE(pull("pull2.log") == 0, out);
  const auto second = pulled_range(out);
  CHECK(second.first == first.second + 1);
  CHECK(second.second >= first.second + 15);
  CHECK_MESSAGE(verify_copy("verify2.log") == 0, out);
  CHECK(pull("pull-again.log") != 1);  // nothing or a little new: never a refusal

  // Interrupted: a pull killed at some moment of a one-record-per-request run, and one killed in
  // the middle of writing a line; the next pull picks up from the last commit.
  wait_for_records(*agent, second.second + 30);
  {
    Process slow({CAMPUS_PROBE_BIN, "evidence", "pull", agent->base, "--dir", copies, "--site",
                  "north", "--batch", "1"},
                 dir.path() + "/killed.log");
    std::this_thread::sleep_for(150ms);
    slow.signal(SIGKILL);
    slow.wait(5s);
  }
  std::string last_segment;
  for (const auto& entry : fs::directory_iterator(copy)) {
    const auto name = entry.path().filename().string();
    if (name.ends_with(".jsonl")) last_segment = std::max(last_segment, name);
  }
  std::ofstream(copy + "/" + last_segment, std::ios::app) << R"({"check":"web","seq":)";
  REQUIRE_MESSAGE(pull("pull3.log") == 0, out);
  CHECK_MESSAGE(verify_copy("verify3.log") == 0, out);

  // The agent's log rewritten from its first run on (hashes recomputed, head file rewritten): the
  // next pull refuses, naming where the chains part, and leaves the copy as it was.
  agent->process.signal(SIGTERM);
  REQUIRE(agent->process.wait(10s) == 0);
  const std::string copy_before = all_evidence(copy);
  const std::string original_run_hash = [&] {
    std::ifstream in(copy + "/" + [&] {
      std::string firstseg;
      for (const auto& entry : fs::directory_iterator(copy)) {
        const auto name = entry.path().filename().string();
        if (name.ends_with(".jsonl") && (firstseg.empty() || name < firstseg)) firstseg = name;
      }
      return firstseg;
    }());
    std::string line;
    std::getline(in, line);
    std::getline(in, line);  // seq 1: the first run
    return nlohmann::json::parse(line)["hash"].get<std::string>();
  }();
  REQUIRE(run_to_end({"/usr/bin/env", "python3",
                      CAMPUS_SOURCE_DIR "/tests/integration/rewrite_evidence.py", agent->evidence},
                     dir, "rewrite.log") == 0);
  agent.reset();
  agent.emplace(dir, "default_interval: 200ms, default_timeout: 200ms", checks,
                keys.evidence_settings());
  wait_for_records(*agent, 1);
  CHECK(pull("fork.log") == 1);
  CHECK_MESSAGE(out.find("REFUSED: the agent's evidence chain forks from the copy in " + copy +
                         " at seq 1: the copy has hash " + original_run_hash +
                         ", the agent has hash ") != std::string::npos,
                out);
  CHECK(all_evidence(copy) == copy_before);
  CHECK(verify_copy("verify4.log") == 0);

  // A fresh log in the same place (the old one deleted): refused at seq 0.
  agent->process.signal(SIGTERM);
  REQUIRE(agent->process.wait(10s) == 0);
  agent.reset();
  fs::remove_all(dir.path() + "/evidence");
  agent.emplace(dir, "default_interval: 200ms, default_timeout: 200ms", checks,
                keys.evidence_settings());
  wait_for_records(*agent, 1);
  CHECK(pull("fresh.log") == 1);
  CHECK_MESSAGE(out.find("forks from the copy in " + copy + " at seq 0: the copy has hash ") !=
                    std::string::npos,
                out);
  CHECK(all_evidence(copy) == copy_before);
  agent->process.signal(SIGTERM);
  CHECK(agent->process.wait(10s) == 0);
}

TEST_CASE("evidence pull: bad options and an unreachable agent fail without printing secrets") {
  TempDir dir;
  const std::string token = dir.file("token", "s3cret-token-value\n");
  std::string out;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "pull", "http://user:pw@127.0.0.1:1", "--dir",
                    dir.path()},
                   dir, "creds.log", &out) == 2);
  CHECK(out.find("must not carry credentials") != std::string::npos);
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "pull",
                    "http://127.0.0.1:" + std::to_string(free_port()), "--dir", dir.path(),
                    "--bearer-token-file", token},
                   dir, "down.log", &out) == 1);
  CHECK(out.find("cannot read the evidence head") != std::string::npos);
  CHECK(out.find("s3cret") == std::string::npos);
}

TEST_CASE("report over two sites' pulled evidence gives each site and the campus") {
  TempDir north_dir, south_dir, central;
  const std::string nginx = "127.0.0.1:" + server("NGINX_HTTP_PORT");
  const std::string closed = "127.0.0.1:" + std::to_string(free_port());
  // North reaches the portal; south does not (H-3.3.1.1), and alone checks H-3.5.1.1.
  EvidenceAgent north(north_dir, "site: north, default_interval: 200ms, default_timeout: 200ms",
                      pull_checks(nginx, "H-3.3.1.1"));
  EvidenceAgent south(south_dir, "site: south, default_interval: 200ms, default_timeout: 200ms",
                      "checks:\n  - {id: portal, probe: tcp, target: \"" + closed +
                          "\", indicators: [H-3.3.1.1]}\n  - {id: web, probe: tcp, target: \"" +
                          nginx + "\", indicators: [H-3.5.1.1]}\n");
  wait_for_records(north, 8);
  wait_for_records(south, 8);
  std::string out;
  // North's copy is filed under the site the agent names; south's under a name of the central
  // side's choosing, and the report still knows it as south from its records.
  REQUIRE_MESSAGE(
      run_to_end({CAMPUS_PROBE_BIN, "evidence", "pull", north.base, "--dir", central.path()},
                 central, "pull-north.log", &out) == 0,
      out);
  CHECK(out.find("north: pulled") != std::string::npos);
  REQUIRE_MESSAGE(run_to_end({CAMPUS_PROBE_BIN, "evidence", "pull", south.base, "--dir",
                              central.path(), "--site", "dorm-copy"},
                             central, "pull-south.log", &out) == 0,
                  out);
  const std::string north_copy = central.path() + "/north";
  const std::string south_copy = central.path() + "/dorm-copy";
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "report", "--edition", "higher", "--since", "1h",
                      "--format", "json", "--evidence", north_copy, "--evidence", south_copy},
                     central, "report.json", &out) == 0);
  const auto report = nlohmann::json::parse(out.substr(0, out.rfind('}') + 1));
  CHECK(report["scope"] == "campus");
  CHECK(report["rule"].get<std::string>().find("every site that checks it") != std::string::npos);
  REQUIRE(report["sites"].size() == 2);
  CHECK(report["sites"][0]["site"] == "north");
  CHECK(report["sites"][1]["site"] == "south");
  CHECK(report["evidence"]["intact"] == true);
  bool seen_portal = false, seen_web = false;
  for (const auto& i : report["indicators"]) {
    if (i["id"] == "H-3.3.1.1") {
      seen_portal = true;
      CHECK(i["status"] == "failing");
      CHECK(i["sites"]["north"]["status"] == "met");
      CHECK(i["sites"]["south"]["status"] == "failing");
      CHECK(i["failing_sites"] == nlohmann::json::array({"south"}));
    }
    if (i["id"] == "H-3.5.1.1") {
      seen_web = true;
      CHECK(i["status"] == "met");  // checked at one site only, and met there
      CHECK(i["sites"]["north"]["status"] == "unverified");
    }
    if (i["id"] == "H-1.1.1.1") CHECK(i["status"] == "unverified");
  }
  CHECK(seen_portal);
  CHECK(seen_web);
  // The other formats name both sites and the rule; positional directories work too.
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "report", "--edition", "higher", "--since", "1h",
                      "--format", "html", north_copy, south_copy},
                     central, "report.html", &out) == 0);
  CHECK(out.find("data-site=\"north\"") != std::string::npos);
  CHECK(out.find("data-site=\"south\"") != std::string::npos);
  CHECK(out.find("id=rule") != std::string::npos);
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "report", "--edition", "higher", "--since", "1h",
                      "--format", "csv", north_copy, south_copy},
                     central, "report.csv", &out) == 0);
  CHECK(out.find("H-3.3.1.1,") != std::string::npos);
  CHECK(out.find(",campus,failing,") != std::string::npos);
  CHECK(out.find(",site:south,failing,") != std::string::npos);
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "report", "--edition", "higher", "--since", "1h",
                      "--format", "md", north_copy, south_copy},
                     central, "report.md", &out) == 0);
  CHECK(out.find("| north |") != std::string::npos);
  north.process.signal(SIGTERM);
  south.process.signal(SIGTERM);
  CHECK(north.process.wait(10s) == 0);
  CHECK(south.process.wait(10s) == 0);
}

TEST_CASE(
    "evidence pull checks signatures and trusted timestamps as they arrive, and a tampered "
    "record stops it") {
  TempDir dir;
  const std::string key = dir.path() + "/signing.key";
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "evidence", "keygen", key}, dir, "keygen.log") == 0);
  const std::string pub = key + ".pub";
  const std::string ca = server("TSA_CA");
  http_request("http://127.0.0.1:" + server("TSA_PORT") + "/__control?down=0", "POST");
  const std::string settings =
      "signing_key_file: " + key +
      ", checkpoint_interval: 300ms, timestamp_url: \"http://127.0.0.1:" + server("TSA_PORT") +
      "/\"";
  const std::string checks = pull_checks("127.0.0.1:" + server("NGINX_HTTP_PORT"), "H-3.3.1.1");
  std::optional<EvidenceAgent> agent;
  agent.emplace(dir, "default_interval: 200ms, default_timeout: 200ms", checks, settings);
  const std::string copies = dir.path() + "/central";
  std::string out;
  const auto pull = [&](const std::string& site, const std::string& name) {
    return run_to_end({CAMPUS_PROBE_BIN, "evidence", "pull", agent->base, "--dir", copies, "--site",
                       site, "--batch", "3", "--public-key", pub, "--tsa-ca", ca},
                      dir, name, &out);
  };
  // Several pulls while tokens keep coming: each one takes up the signed records it needs from
  // the copy's state.
  for (int i = 0; i < 3; ++i) {
    REQUIRE_MESSAGE(wait_until([&] {
                      return metric(agent->base,
                                    "campus_evidence_timestamps_total{result=\"granted\"}") >=
                             2 * (i + 1);
                    }),
                    agent->process.output());
    REQUIRE_MESSAGE(pull("campus", "pull" + std::to_string(i) + ".log") == 0, out);
  }
  CHECK(out.find("trusted timestamp(s) match their checkpoints and verify with the TSA's CA") !=
        std::string::npos);
  CHECK(out.find("signature(s) verified") != std::string::npos);
  REQUIRE(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", copies + "/campus", "--pubkey", pub,
                      "--tsa-ca", ca},
                     dir, "verify.log", &out) == 0);
  CHECK(out.find("trusted timestamp(s) match their checkpoints") != std::string::npos);

  // A record changed on the agent's disk: a new copy takes the records before it and stops there.
  agent->process.signal(SIGTERM);
  REQUIRE(agent->process.wait(10s) == 0);
  std::string first_segment;
  for (const auto& entry : fs::directory_iterator(agent->evidence)) {
    const auto name = entry.path().filename().string();
    if (name.ends_with(".jsonl") && (first_segment.empty() || name < first_segment))
      first_segment = name;
  }
  const std::string path = agent->evidence + "/" + first_segment;
  std::string text = pulled_file_text(path);
  const auto verdict = text.find("\"verdict\":\"pass\"");
  REQUIRE(verdict != std::string::npos);
  text.replace(verdict, 16, "\"verdict\":\"fail\"");
  const auto line_start = text.rfind('\n', verdict) + 1;  // npos + 1 == 0: the first line
  const auto altered_seq =
      nlohmann::json::parse(text.substr(line_start, text.find('\n', verdict) - line_start))["seq"]
          .get<long long>();
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  agent.reset();
  agent.emplace(dir, "default_interval: 200ms, default_timeout: 200ms", checks, settings);
  wait_for_records(*agent, 1);
  CHECK(pull("tampered", "tampered.log") == 1);
  CHECK_MESSAGE(out.find("REFUSED: a record from " + agent->base + " does not verify: seq " +
                         std::to_string(altered_seq) + " (" + first_segment +
                         "): hash mismatch — record altered") != std::string::npos,
                out);
  CHECK(out.find("keeps the " + std::to_string(altered_seq) + " record(s) before it") !=
        std::string::npos);
  agent->process.signal(SIGTERM);
  CHECK(agent->process.wait(10s) == 0);
}

TEST_CASE("evidence pull --interval keeps a copy up to date until it is stopped") {
  TempDir dir;
  EvidenceAgent agent(dir, "default_interval: 200ms, default_timeout: 200ms",
                      pull_checks("127.0.0.1:" + server("NGINX_HTTP_PORT"), "H-3.3.1.1"));
  wait_for_records(agent, 3);
  const std::string copy = dir.path() + "/central/main";
  const auto copy_head = [&]() -> long long {
    const std::string text = pulled_file_text(copy + "/head");
    return text.empty() ? -1 : nlohmann::json::parse(text)["seq"].get<long long>();
  };
  Process puller({CAMPUS_PROBE_BIN, "evidence", "pull", agent.base, "--dir",
                  dir.path() + "/central", "--site", "main", "--interval", "500ms"},
                 dir.path() + "/puller.log");
  REQUIRE_MESSAGE(wait_until([&] { return copy_head() >= 3; }), puller.output());
  // Records written after the first pull reach the copy without another command.
  const long long later = agent_head_seq(agent) + 10;
  wait_for_records(agent, later);
  CHECK_MESSAGE(wait_until([&] { return copy_head() >= later; }), puller.output());
  puller.signal(SIGTERM);
  puller.wait(5s);
  CHECK(puller.output().find("main: pulled") != std::string::npos);
  std::string out;
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", copy}, dir, "verify.log", &out) == 0);
  agent.process.signal(SIGTERM);
  CHECK(agent.process.wait(10s) == 0);
}

TEST_CASE("evidence pull over HTTPS with a bearer token and a client certificate") {
  TempDir dir;
  // A CA, the agent's certificate for 127.0.0.1, and a client certificate from the same CA.
  dir.file("ext.cnf", "subjectAltName=IP:127.0.0.1\n");
  REQUIRE(
      run_to_end({"/bin/sh", "-c",
                  "set -e; cd '" + dir.path() +
                      "'; k='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
                      "openssl req -x509 $k -keyout ca.key -out ca.crt -days 2 -subj /CN=pull-ca\n"
                      "for n in tls client; do openssl req $k -keyout $n.key -out $n.csr "
                      "-subj /CN=pull-$n; done\n"
                      "openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
                      "-days 2 -extfile ext.cnf -out tls.crt\n"
                      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key "
                      "-CAcreateserial -days 2 -out client.crt\nchmod 600 *.key"},
                 dir, "pki.log") == 0);
  const std::string admin_token = dir.file("admin.token", "pull-admin-token-0123456789\n");
  const std::string scraper_token = dir.file("scraper.token", "pull-scraper-token-0123456789\n");
  std::string admin_hash, scraper_hash;
  REQUIRE(run_to_end({"/bin/sh", "-c",
                      std::string(CAMPUS_PROBE_BIN) + " web hash-token < '" + admin_token + "'"},
                     dir, "admin-hash.log", &admin_hash) == 0);
  REQUIRE(run_to_end({"/bin/sh", "-c",
                      std::string(CAMPUS_PROBE_BIN) + " web hash-token < '" + scraper_token + "'"},
                     dir, "scraper-hash.log", &scraper_hash) == 0);
  const auto trimmed = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
      s.pop_back();
    return s;
  };
  const std::string web =
      dir.file("web.yml", "tls_server_config:\n  cert_file: " + dir.path() +
                              "/tls.crt\n  key_file: " + dir.path() +
                              "/tls.key\n  client_auth_type: RequireAndVerifyClientCert\n" +
                              "  client_ca_file: " + dir.path() + "/ca.crt\n" +
                              "bearer_tokens:\n  - {name: central, sha256: " + trimmed(admin_hash) +
                              "}\n  - {name: vmagent, sha256: " + trimmed(scraper_hash) +
                              "}\nroles:\n  central: admin\n  vmagent: scraper\n");
  fs::permissions(web, fs::perms(0600));
  EvidenceAgent agent(
      dir, "site: dc, web_config: " + web + ", default_interval: 200ms, default_timeout: 200ms",
      pull_checks("127.0.0.1:" + server("NGINX_HTTP_PORT"), "H-3.3.1.1"));
  const std::string base = "https://127.0.0.1:" + std::to_string(agent.port);
  const std::string copies = dir.path() + "/central";
  std::string out;
  const auto pull = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> argv = {
        CAMPUS_PROBE_BIN, "evidence", "pull",     base,
        "--dir",          copies,     "--cacert", dir.path() + "/ca.crt"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_to_end(argv, dir, name, &out);
  };
  const std::vector<std::string> client_cert = {"--cert", dir.path() + "/client.crt", "--key",
                                                dir.path() + "/client.key"};
  std::vector<std::string> admin = {"--bearer-token-file", admin_token};
  admin.insert(admin.end(), client_cert.begin(), client_cert.end());
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        return pull("first.log", admin) == 0 &&
                               out.find("dc: pulled") != std::string::npos;
                      },
                      30s),
                  (out + agent.process.output()));
  std::this_thread::sleep_for(1s);
  REQUIRE_MESSAGE(pull("second.log", admin) == 0, out);
  CHECK(run_to_end({CAMPUS_PROBE_BIN, "evidence", "verify", copies + "/dc"}, dir, "verify.log",
                   &out) == 0);
  // The scraper's token may not read the evidence; no token, none; no client certificate, no
  // handshake. Tokens are never printed.
  std::vector<std::string> scraper = {"--bearer-token-file", scraper_token};
  scraper.insert(scraper.end(), client_cert.begin(), client_cert.end());
  CHECK(pull("scraper.log", scraper) == 1);
  CHECK(out.find("HTTP 403") != std::string::npos);
  CHECK(pull("anonymous.log", client_cert) == 1);
  CHECK(out.find("HTTP 401") != std::string::npos);
  CHECK(pull("no-cert.log", {"--bearer-token-file", admin_token}) == 1);
  CHECK(out.find("cannot read the evidence head") != std::string::npos);
  for (const char* log : {"first.log", "second.log", "scraper.log", "anonymous.log", "no-cert.log"})
    CHECK(pulled_file_text(dir.path() + "/" + log).find("token-0123456789") == std::string::npos);
  agent.process.signal(SIGTERM);
  CHECK(agent.process.wait(10s) == 0);
}
