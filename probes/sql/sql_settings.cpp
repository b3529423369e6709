#include "sql_settings.h"

#include <charconv>
#include <utility>

namespace campus {

std::string SqlSettings::target() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" +
         database;
}

std::optional<SqlTarget> parse_sql_target(const std::string& target, std::string& error) {
  static constexpr const char* kExpected =
      "expected postgresql://host[:port]/database, mysql://host[:port]/database or "
      "mariadb://host[:port]/database";
  SqlTarget t{};
  const auto sep = target.find("://");
  if (sep == std::string::npos) {
    error = kExpected;
    return std::nullopt;
  }
  t.scheme = target.substr(0, sep);
  if (t.scheme == "postgresql" || t.scheme == "postgres") {
    t.engine = SqlEngine::postgresql;
    t.port = 5432;
  } else if (t.scheme == "mysql" || t.scheme == "mariadb") {
    t.engine = SqlEngine::mariadb;
    t.port = 3306;
  } else {
    error = "unknown scheme '" + t.scheme + "': " + kExpected;
    return std::nullopt;
  }
  std::string_view rest = std::string_view(target).substr(sep + 3);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    error =
        "the target must not hold credentials: name a secret with username and password in "
        "params.credentials";
    return std::nullopt;
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    error = "the target takes no query string or fragment: " + std::string(kExpected);
    return std::nullopt;
  }
  if (slash == std::string_view::npos || slash + 1 >= rest.size() ||
      rest.substr(slash + 1).find('/') != std::string_view::npos) {
    error = "missing the database name: " + std::string(kExpected);
    return std::nullopt;
  }
  t.database = std::string(rest.substr(slash + 1));
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = kExpected;
      return std::nullopt;
    }
    t.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        error = kExpected;
        return std::nullopt;
      }
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (t.host.empty()) {
    error = "missing the host: " + std::string(kExpected);
    return std::nullopt;
  }
  if (authority.find(':') != std::string_view::npos && authority.front() != '[' &&
      authority.find(':') != authority.rfind(':')) {
    error = "write an IPv6 address in brackets: " + std::string(kExpected);
    return std::nullopt;
  }
  if (!port_text.empty() || authority.ends_with(":")) {
    int port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      error = "bad port '" + std::string(port_text) + "': " + kExpected;
      return std::nullopt;
    }
    t.port = port;
  }
  return t;
}

std::optional<SqlSettings> parse_sql_settings(ProbeSetup& setup) {
  SqlSettings s;
  std::string error;
  auto target = parse_sql_target(setup.target, error);
  if (!target) {
    setup.target_value.error(error);
    return std::nullopt;
  }
  s.engine = target->engine;
  s.scheme = std::move(target->scheme);
  s.host = std::move(target->host);
  s.port = target->port;
  s.database = std::move(target->database);
  if (!setup.params) {
    setup.target_value.error("an sql check needs params with credentials and query");
    return std::nullopt;
  }
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    if (auto v = r.required("credentials")) {
      if (auto account = setup.account(*v, "credentials")) {
        s.username = std::move(account->username);
        s.password = std::move(account->password);
      }
    }
    if (auto v = r.required("query")) {
      if (auto q = v->text()) s.query = *q;
    }
    if (auto v = r.get("expect")) s.expect = read_json_assertions(*v);
    if (auto v = r.get("tls")) {
      TlsSettings tls;
      if (!v->is_null())
        read_tls_block(*v, tls,
                       {TlsKey::verify, TlsKey::ca_file, TlsKey::cert_file, TlsKey::key_file});
      if (tls.cert_file.has_value() != tls.key_file.has_value())
        v->error("give cert_file and key_file together");
      s.tls = std::move(tls);
    }
    if (auto v = r.get("max_rows")) {
      if (auto n = v->integer(1, 10000)) s.max_rows = std::size_t(*n);
    }
  });
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace campus
