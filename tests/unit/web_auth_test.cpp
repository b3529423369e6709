// The listener's web config (agent.web_config): parsing with exact errors, bcrypt against hashes
// made by other tools, bearer tokens, the cache of verified logins, and which role each endpoint
// needs.

#include "http/web_auth.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "config/web_config.h"
#include "core/bcrypt.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "daemon/access_policy.h"

namespace campus::web_auth_test {

namespace fs = std::filesystem;
using boost::beast::http::verb;

// From the test vectors of Openwall's crypt_blowfish (the bcrypt that libxcrypt carries).
constexpr const char* kOpenwallHash =
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
// python3 -c 'import crypt; print(crypt.crypt("scrape-pw", crypt.mksalt(crypt.METHOD_BLOWFISH,
// rounds=1<<4)))'
constexpr const char* kScraperHash = "$2b$04$NA4/e8wS00gRUBARIwr4kux4FnclNV0JHUE9U1EepZAeiRxoaFaL6";
// The same with a $2y$ salt, the prefix PHP's password_hash and htpasswd -B write.
constexpr const char* kAdminHash = "$2y$04$abcdefghijklmnopqrstuunjjXVilITTjGtFH/emy.ACeBYJBzOuG";
// printf vmagent-token-1 | sha256sum
constexpr const char* kTokenSha =
    "d267e66b95b6b00b1bedc99063e0a5106568d67d2862f92d07d3bbde88bef2e9";

// A private scratch directory (0700) with a certificate and key stand-in, removed at the end.
struct WebDir {
  WebDir() {
    std::string pattern = (fs::temp_directory_path() / "campus-web-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
    write("server.crt", "cert");
    write("server.key", "key");
    write("ca.crt", "ca");
    fs::permissions(path / "server.key", fs::perms(0600));
  }
  ~WebDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  fs::path path;
};

std::string errors_of(const std::string& file, const std::string& text) {
  Diagnostics diagnostics;
  const auto config = parse_web_config(file, text, diagnostics);
  CHECK((config == nullptr) == !diagnostics.empty());
  return diagnostics.str();
}

TEST_CASE("web config: a Prometheus web.yml with the campus-probe extensions") {
  WebDir dir;
  const std::string text = std::string("tls_server_config:\n") +
                           "  cert_file: server.crt\n"
                           "  key_file: server.key\n"
                           "  client_auth_type: RequireAndVerifyClientCert\n"
                           "  client_ca_file: ca.crt\n"
                           "basic_auth_users:\n"
                           "  prometheus: " +
                           kScraperHash + "\n  ops: " + kAdminHash +
                           "\nbearer_tokens:\n"
                           "  - {name: vmagent, sha256: " +
                           kTokenSha +
                           "}\n"
                           "roles:\n"
                           "  ops: admin\n"
                           "  vmagent: scraper\n";
  Diagnostics diagnostics;
  const auto config = parse_web_config(dir.file("web.yml"), text, diagnostics);
  REQUIRE_MESSAGE(config, diagnostics.str());
  REQUIRE(config->tls);
  CHECK(config->tls->cert_file == dir.file("server.crt"));  // relative to the web config
  CHECK(config->tls->key_file == dir.file("server.key"));
  CHECK(config->tls->client_auth == ClientAuth::require_and_verify);
  CHECK(config->requires_client_cert());
  CHECK(config->users.size() == 2);
  REQUIRE(config->tokens.size() == 1);
  CHECK(to_hex(config->tokens[0].sha256) == kTokenSha);
  CHECK(config->role_of("ops") == Role::admin);
  CHECK(config->role_of("vmagent") == Role::scraper);
  CHECK(config->role_of("prometheus") == Role::scraper);  // not named: the lesser role
  CHECK(config->has_credentials());
}

TEST_CASE("web config: errors name the file, line, key and what was expected") {
  WebDir dir;
  const std::string file = dir.file("web.yml");
  CHECK(errors_of(file, "basic_auth_users:\n  ops: hunter2\n") ==
        file +
            ":2:8: basic_auth_users.ops: expected a bcrypt hash ($2a$, $2b$ or $2y$, 60 "
            "characters; make one with `campus-probe web hash-password`), never the password "
            "itself\n");
  CHECK(errors_of(file, "bearer_tokens:\n  - {name: vm, sha256: abc}\n") ==
        file +
            ":2:24: bearer_tokens[0].sha256: expected 64 hex digits: the SHA-256 of the token "
            "(`campus-probe web hash-token`), never the token itself\n");
  CHECK(errors_of(file,
                  "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                  "  client_auth_type: RequireAnyClientCert\n") ==
        file +
            ":4:21: tls_server_config.client_auth_type: expected NoClientCert, "
            "VerifyClientCertIfGiven or RequireAndVerifyClientCert, got "
            "'RequireAnyClientCert'\n");
  CHECK(errors_of(file,
                  "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                  "  client_auth_type: RequireAndVerifyClientCert\n") ==
        file +
            ":4:21: tls_server_config.client_auth_type: client_auth_type "
            "RequireAndVerifyClientCert needs client_ca_file: the CA that signs the client "
            "certificates\n");
  CHECK(errors_of(file, "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n") ==
        file + ":2:14: tls_server_config.cert_file: cannot read file " + dir.file("missing.crt") +
            "\n");
  CHECK(errors_of(file, std::string("basic_auth_users:\n  ops: ") + kAdminHash +
                            "\nroles:\n  ops: root\n  nobody: admin\n") ==
        file + ":4:8: roles.ops: expected scraper or admin, got 'root'\n" + file +
            ":5:11: roles.nobody: 'nobody' is neither a user of basic_auth_users nor a token of "
            "bearer_tokens\n");
  const std::string typo = errors_of(file, "basic_auth_user:\n  ops: x\n");
  CHECK(typo.find(file + ":1:1: ") == 0);
  CHECK(typo.find("basic_auth_users") != std::string::npos);  // the suggestion
}

TEST_CASE("web config: the example in configs/ is valid but for its certificate paths") {
  std::ifstream in(std::string(CAMPUS_SOURCE_DIR) + "/configs/web.example.yml");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  Diagnostics diagnostics;
  parse_web_config("web.example.yml", text.str(), diagnostics);
  CHECK(diagnostics.size() == 2);  // cert_file and key_file: not on this machine
  for (const auto& item : diagnostics.items()) {
    CAPTURE(item.str());
    CHECK(item.message.rfind("cannot read file /etc/campus-probe/tls/agent.", 0) == 0);
  }
}

TEST_CASE("web config: a key file or web config other users can read is refused") {
  WebDir dir;
  fs::permissions(dir.path, fs::perms(0755));
  fs::permissions(dir.path / "server.key", fs::perms(0644));
  const std::string file = dir.file("web.yml");
  const std::string errors =
      errors_of(file, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  CHECK(errors.find(file + ":3:13: tls_server_config.key_file: secret file " +
                    dir.file("server.key") + " is readable by other users (mode 0644)") == 0);
  dir.write("web.yml", "basic_auth_users: {}\n");
  fs::permissions(dir.path / "web.yml", fs::perms(0644));
  Diagnostics diagnostics;
  CHECK(load_web_config(file, diagnostics) == nullptr);
  CHECK(diagnostics.str().find("secret file " + file + " is readable by other users") !=
        std::string::npos);
}

TEST_CASE("web bcrypt: hashes from other tools verify, wrong passwords do not") {
  CHECK(bcrypt_matches("U*U", kOpenwallHash));
  CHECK_FALSE(bcrypt_matches("U*V", kOpenwallHash));
  CHECK(bcrypt_matches("scrape-pw", kScraperHash));
  CHECK_FALSE(bcrypt_matches("scrape-pW", kScraperHash));
  CHECK(bcrypt_matches("admin-pw", kAdminHash));
  CHECK_FALSE(bcrypt_matches("admin-pw", "$2y$04$short"));
  CHECK_FALSE(bcrypt_matches(std::string("admin-pw\0x", 10), kAdminHash));
  const auto made = bcrypt_hash("fresh password", 4);
  REQUIRE(made);
  CHECK(made->rfind("$2b$04$", 0) == 0);
  CHECK(bcrypt_matches("fresh password", *made));
  CHECK_FALSE(bcrypt_matches("fresh passwore", *made));
}

TEST_CASE("web auth: Authorization headers taken apart") {
  using Kind = PresentedCredential::Kind;
  CHECK(parse_authorization("").kind == Kind::none);
  const auto basic = parse_authorization("Basic " + base64_encode("ops:pa:ss"));
  CHECK(basic.kind == Kind::basic);
  CHECK(basic.user == "ops");
  CHECK(basic.secret == "pa:ss");
  const auto bearer = parse_authorization("bearer  tok-1 ");
  CHECK(bearer.kind == Kind::bearer);
  CHECK(bearer.secret == "tok-1");
  CHECK(parse_authorization("Basic !!!").kind == Kind::malformed);
  CHECK(parse_authorization("Basic " + base64_encode("no-colon")).kind == Kind::malformed);
  CHECK(parse_authorization("Digest x").kind == Kind::malformed);
  CHECK(parse_authorization("Bearer ").kind == Kind::malformed);
}

// Runs one authentication on a private io_context; `verifications` counts the bcrypt calls.
AuthVerdict authenticate(WebAuth& auth, const std::string& header, int& verifications) {
  boost::asio::io_context io;
  const WebAuth::Verifier verify =
      [&verifications](std::string password,
                       std::string hash) -> boost::asio::awaitable<std::optional<bool>> {
    ++verifications;
    co_return bcrypt_matches(password, hash);
  };
  auto done = boost::asio::co_spawn(io, auth.authenticate(header, verify), boost::asio::use_future);
  io.run();
  return done.get();
}

TEST_CASE("web auth: users, tokens, roles and the cache of verified logins") {
  auto config = std::make_shared<WebConfig>();
  config->users = {{"prometheus", kScraperHash}, {"ops", kAdminHash}};
  std::string token_bytes;
  for (std::size_t i = 0; i < 64; i += 2)
    token_bytes += char(std::stoi(std::string(kTokenSha).substr(i, 2), nullptr, 16));
  config->tokens = {{"vmagent", token_bytes}};
  config->roles = {{"ops", Role::admin}};
  WebAuth auth(config, 2);
  int bcrypts = 0;
  using Outcome = AuthVerdict::Outcome;

  auto v = authenticate(auth, "Basic " + base64_encode("prometheus:scrape-pw"), bcrypts);
  CHECK(v.outcome == Outcome::granted);
  CHECK(v.role == Role::scraper);
  CHECK(bcrypts == 1);
  v = authenticate(auth, "Basic " + base64_encode("prometheus:scrape-pw"), bcrypts);
  CHECK(v.outcome == Outcome::granted);
  CHECK(bcrypts == 1);  // remembered: no second bcrypt
  CHECK(auth.cached() == 1);

  v = authenticate(auth, "Basic " + base64_encode("prometheus:wrong"), bcrypts);
  CHECK(v.outcome == Outcome::denied);
  CHECK(std::string(v.reason) == "bad_password");
  CHECK(bcrypts == 2);
  v = authenticate(auth, "Basic " + base64_encode("nobody:scrape-pw"), bcrypts);
  CHECK(std::string(v.reason) == "unknown_user");
  CHECK(v.name.empty());
  CHECK(bcrypts == 3);  // as long as a wrong password: the timing does not tell who exists

  v = authenticate(auth, "Basic " + base64_encode("ops:admin-pw"), bcrypts);
  CHECK(v.outcome == Outcome::granted);
  CHECK(v.role == Role::admin);
  v = authenticate(auth, "Bearer vmagent-token-1", bcrypts);
  CHECK(v.outcome == Outcome::granted);
  CHECK(v.name == "vmagent");
  CHECK(v.role == Role::scraper);
  v = authenticate(auth, "Bearer vmagent-token-2", bcrypts);
  CHECK(std::string(v.reason) == "bad_token");
  v = authenticate(auth, "", bcrypts);
  CHECK(std::string(v.reason) == "missing");
  CHECK(bcrypts == 4);  // tokens need no bcrypt

  // Both logins stay remembered within the cache's bound of two.
  authenticate(auth, "Basic " + base64_encode("ops:admin-pw"), bcrypts);
  CHECK(bcrypts == 4);
  CHECK(auth.cached() == 2);
}

TEST_CASE("web roles: what a scraper may read, and everything else needs admin") {
  for (const char* path : {"/metrics", "/probe", "/", "/api/checks", "/api/checks/web",
                           "/api/indicators", "/api/failures", "/-/healthy", "/-/ready"}) {
    CAPTURE(path);
    CHECK(required_role(verb::get, path) == Role::scraper);
    CHECK(required_role(verb::head, path) == Role::scraper);
  }
  for (const char* path : {"/api/evidence", "/report", "/api/maintenance", "/-/reload",
                           "/api/unknown", "/metrics/extra"}) {
    CAPTURE(path);
    CHECK(required_role(verb::get, path) == Role::admin);
  }
  CHECK(required_role(verb::post, "/-/reload") == Role::admin);
  CHECK(required_role(verb::post, "/api/maintenance") == Role::admin);
  CHECK(required_role(verb::delete_, "/api/maintenance/x") == Role::admin);
  CHECK(required_role(verb::post, "/metrics") == Role::admin);  // any write
}

// Loads a campus config from `dir` (so that a relative web_config is found there).
std::string config_errors(const WebDir& dir, const std::string& text) {
  const Catalog catalog = Catalog::builtin();
  Diagnostics diagnostics;
  load_config_text(dir.file("campus.yaml"), text, {catalog}, diagnostics);
  return diagnostics.str();
}

TEST_CASE("web exposure: a non-loopback listener needs TLS and authentication, or insecure") {
  WebDir dir;
  const std::string checks = "checks:\n  - {id: a, probe: tcp, target: \"127.0.0.1:1\"}\n";
  const std::string refused = config_errors(dir, "agent: {listen: 0.0.0.0:9877}\n" + checks);
  CAPTURE(refused);
  CHECK(refused.find(dir.file("campus.yaml") +
                     ":1:17: agent.listen: listening on 0.0.0.0, beyond this machine, with "
                     "neither TLS nor authentication: anyone on the campus network could read "
                     "the evidence and reports, declare maintenance and reload the agent. Set "
                     "agent.web_config") == 0);
  CHECK(refused.find("agent.insecure: true") != std::string::npos);
  CHECK(config_errors(dir, "agent: {listen: 0.0.0.0:9877, insecure: true}\n" + checks) == "");
  CHECK(config_errors(dir, "agent: {listen: 127.0.0.1:9877}\n" + checks) == "");
  CHECK(config_errors(dir, "agent: {listen: \"[::1]:9877\"}\n" + checks) == "");
  // Authentication without TLS sends the passwords in clear.
  dir.write("auth-only.yml", std::string("basic_auth_users: {ops: \"") + kAdminHash + "\"}\n");
  const std::string clear =
      config_errors(dir, "agent: {listen: 10.0.0.5:9877, web_config: auth-only.yml}\n" + checks);
  CHECK(clear.find("with no TLS (passwords and tokens would cross the network in clear)") !=
        std::string::npos);
  dir.write("both.yml", std::string("tls_server_config: {cert_file: server.crt, key_file: "
                                    "server.key}\nbasic_auth_users: {ops: \"") +
                            kAdminHash + "\"}\n");
  CHECK(config_errors(dir, "agent: {listen: 10.0.0.5:9877, web_config: both.yml}\n" + checks) ==
        "");
}

}  // namespace campus::web_auth_test
