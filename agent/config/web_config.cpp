#include "config/web_config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/bcrypt.h"
#include "core/secret_file.h"
#include "core/yaml_reader.h"

namespace campus {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> hex_to_bytes(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int byte = 0;
    for (char c : hex.substr(i, 2)) {
      const int v = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (v < 0) return std::nullopt;
      byte = byte * 16 + v;
    }
    out += char(byte);
  }
  return out;
}

class WebConfigParser {
 public:
  WebConfigParser(const YamlSource& source, WebConfig& out)
      : out_(out), base_(fs::path(source.file).parent_path()) {}

  void parse(const YamlValue& root) {
    auto r = root.map();
    if (!r.valid()) return;
    if (auto v = r.get("tls_server_config")) parse_tls(*v);
    if (auto v = r.get("basic_auth_users")) parse_users(*v);
    if (auto v = r.get("bearer_tokens")) parse_tokens(*v);
    if (auto v = r.get("roles")) parse_roles(*v);
    r.finish();
  }

 private:
  // A file the config names, relative to the web config's folder; checked for readability, and
  // for exposure when it is secret.
  std::optional<std::string> file(const YamlValue& value, bool secret) {
    const auto text = value.text();
    if (!text) return std::nullopt;
    fs::path p(*text);
    if (p.is_relative()) p = base_ / p;
    if (!std::ifstream(p)) {
      value.error("cannot read file " + p.string());
      return std::nullopt;
    }
    if (secret) {
      if (auto exposed = exposed_secret_file(p)) {
        value.error(*exposed);
        return std::nullopt;
      }
    }
    return p.string();
  }

  void parse_tls(const YamlValue& value) {
    auto r = value.map();
    if (!r.valid()) return;
    WebTls tls;
    if (auto v = r.required("cert_file")) tls.cert_file = file(*v, false).value_or("");
    if (auto v = r.required("key_file")) tls.key_file = file(*v, true).value_or("");
    std::optional<YamlValue> auth_value = r.get("client_auth_type");
    if (auth_value) {
      const auto name = auth_value->string();
      if (name == "NoClientCert") {
        tls.client_auth = ClientAuth::none;
      } else if (name == "VerifyClientCertIfGiven") {
        tls.client_auth = ClientAuth::verify_if_given;
      } else if (name == "RequireAndVerifyClientCert") {
        tls.client_auth = ClientAuth::require_and_verify;
      } else if (name) {
        auth_value->error(
            "expected NoClientCert, VerifyClientCertIfGiven or "
            "RequireAndVerifyClientCert, got '" +
            *name + "'");
      }
    }
    if (auto v = r.get("client_ca_file")) {
      tls.client_ca_file = file(*v, false).value_or("");
      // As in Prometheus: a CA without a policy is a mistake, not a policy.
      if (tls.client_auth == ClientAuth::none) {
        v->error(
            "client_ca_file needs client_auth_type VerifyClientCertIfGiven or "
            "RequireAndVerifyClientCert");
      }
    } else if (tls.client_auth != ClientAuth::none) {
      auth_value->error("client_auth_type " + *auth_value->string() +
                        " needs client_ca_file: the CA that signs the client certificates");
    }
    if (auto v = r.get("min_version")) {
      const auto name = v->string();
      if (name == "TLS13") {
        tls.tls13_only = true;
      } else if (name && *name != "TLS12") {
        v->error("expected TLS12 or TLS13 (older versions are not offered), got '" + *name + "'");
      }
    }
    r.finish();
    out_.tls = std::move(tls);
  }

  void parse_users(const YamlValue& value) {
    auto r = value.map();
    if (!r.valid()) return;
    for (auto& [name, hash_value] : r.entries()) {
      const auto hash = hash_value.string();
      if (!hash) continue;
      if (name.empty() || name.find(':') != std::string::npos) {
        hash_value.error("a user name must not be empty or contain ':'");
        continue;
      }
      if (!is_bcrypt_hash(*hash)) {
        hash_value.error(
            "expected a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters; make one with "
            "`campus-probe web hash-password`), never the password itself");
        continue;
      }
      out_.users[name] = *hash;
    }
  }

  void parse_tokens(const YamlValue& value) {
    for (const auto& item : value.items()) {
      auto r = item.map();
      if (!r.valid()) continue;
      WebToken token;
      if (auto v = r.required("name")) {
        if (auto name = v->text()) {
          if (out_.users.count(*name) || !token_names_.insert(*name).second) {
            v->error("'" + *name + "' names a user or another token already");
          }
          token.name = *name;
        }
      }
      if (auto v = r.required("sha256")) {
        const auto hex = v->string();
        const auto bytes = hex ? hex_to_bytes(*hex) : std::nullopt;
        if (hex && (!bytes || bytes->size() != 32)) {
          v->error(
              "expected 64 hex digits: the SHA-256 of the token (`campus-probe web "
              "hash-token`), never the token itself");
        } else if (bytes) {
          token.sha256 = *bytes;
        }
      }
      r.finish();
      if (!token.name.empty() && token.sha256.size() == 32) out_.tokens.push_back(std::move(token));
    }
  }

  void parse_roles(const YamlValue& value) {
    auto r = value.map();
    if (!r.valid()) return;
    for (auto& [name, role_value] : r.entries()) {
      const auto role = role_value.string();
      if (!role) continue;
      if (!out_.users.count(name) && !token_names_.count(name)) {
        role_value.error("'" + name +
                         "' is neither a user of basic_auth_users nor a token of "
                         "bearer_tokens");
        continue;
      }
      if (role == "scraper") {
        out_.roles[name] = Role::scraper;
      } else if (role == "admin") {
        out_.roles[name] = Role::admin;
      } else {
        role_value.error("expected scraper or admin, got '" + *role + "'");
      }
    }
  }

  WebConfig& out_;
  fs::path base_;
  std::set<std::string> token_names_;
};

}  // namespace

const char* to_string(Role role) {
  return role == Role::admin ? "admin" : "scraper";
}

Role WebConfig::role_of(std::string_view name) const {
  const auto it = roles.find(name);
  return it == roles.end() ? Role::scraper : it->second;
}

std::shared_ptr<const WebConfig> parse_web_config(const std::string& file_name,
                                                  std::string_view text, Diagnostics& diagnostics) {
  Diagnostics own;
  const YamlSource source{file_name, &own};
  auto config = std::make_shared<WebConfig>();
  config->file = file_name;
  auto root = YamlValue::parse(text, &source);
  if (root && root->is_null()) own.error(file_name, 1, 1, "", "the web config is empty");
  if (root && !root->is_null()) WebConfigParser(source, *config).parse(*root);
  diagnostics.append(own);
  if (!own.empty()) return nullptr;
  return config;
}

std::shared_ptr<const WebConfig> load_web_config(const std::string& path,
                                                 Diagnostics& diagnostics) {
  if (auto exposed = exposed_secret_file(path)) {
    diagnostics.error(path, 0, 0, "", *exposed);
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error(path, 0, 0, "", "cannot read the web config");
    return nullptr;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_web_config(path, text.str(), diagnostics);
}

}  // namespace campus
