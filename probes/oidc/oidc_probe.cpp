// The `oidc` probe: an OpenID Connect provider end to end. Discovery (the issuer matches, the
// endpoints exist), the JWKS, a token by client_credentials, password or authorization_code
// (the provider's own login form, driven like a browser), the id_token's signature and claims,
// and userinfo with the access token. Tokens never leave the probe.

#include <utility>

#include "common/curl_result.h"
#include "common/run_outcome.h"
#include "common/transforms.h"
#include "common/url.h"
#include "core/json_parse.h"
#include "core/text_width.h"
#include "jwt.h"
#include "oidc_settings.h"
#include "probe/registry.h"

namespace campus {
namespace {

using Grant = OidcSettings::Grant;
using Fields = std::vector<std::pair<std::string, std::string>>;

std::pair<std::string, std::string> field(std::string name, std::string value) {
  return {std::move(name), std::move(value)};
}

std::string_view grant_name(Grant g) {
  switch (g) {
    case Grant::client_credentials:
      return "client_credentials";
    case Grant::password:
      return "password";
    case Grant::authorization_code:
      return "authorization_code";
    case Grant::none:
      break;
  }
  return "none";
}

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/')
    s.pop_back();
  return s;
}

class OidcRun {
 public:
  OidcRun(const OidcSettings& s, ProbeContext& ctx) : s_(s), ctx_(ctx), session_(ctx, s.web) {
    session_.hide(s_.client_secret.value());
    session_.hide(s_.password.value());
  }

  boost::asio::awaitable<ProbeResult> run() {
    if (!co_await discover() || !co_await fetch_jwks()) co_return finish();
    if (s_.grant == Grant::none) {
      pass("discovery and JWKS ok (" + std::to_string(jwks_["keys"].size()) + " key(s))");
      co_return finish();
    }
    // Named fields, not a braced list in the co_await expression: GCC 12 miscompiles those.
    Fields fields;
    if (s_.grant == Grant::authorization_code) {
      auto code = co_await authorize();
      if (!code) co_return finish();
      fields = {field("grant_type", "authorization_code"), field("code", *code),
                field("redirect_uri", s_.redirect_uri)};
    } else if (s_.grant == Grant::password) {
      fields = {field("grant_type", "password"), field("username", s_.username),
                field("password", s_.password.value()), field("scope", s_.scope)};
    } else {
      fields = {field("grant_type", "client_credentials"), field("scope", s_.scope)};
    }
    std::optional<nlohmann::json> tokens = co_await token_request(std::move(fields));
    if (!tokens) co_return finish();
    const std::string access_token = tokens->value("access_token", "");
    if (s_.grant == Grant::client_credentials) {
      keep_session(access_token);
      pass("client_credentials token issued to " + s_.client_id +
           (ctx_.capture ? ", session kept for its checks" : ""));
      co_return finish();
    }
    std::optional<VerifiedJwt> id_token;
    if (wants_openid()) {
      id_token = check_id_token(tokens->value("id_token", ""));
      if (!id_token) co_return finish();
    }
    std::optional<nlohmann::json> userinfo;
    if (s_.userinfo) {
      userinfo = co_await fetch_userinfo(access_token, id_token);
      if (!userinfo) co_return finish();
    }
    const nlohmann::json& claims = userinfo   ? *userinfo
                                   : id_token ? id_token->claims
                                              : nlohmann::json::object();
    for (const auto& [name, wanted] : s_.expect_claims) {
      const auto it = claims.find(name);
      const std::string got = it == claims.end() ? ""
                              : it->is_string()  ? it->get<std::string>()
                                                 : it->dump();
      if (it == claims.end() || got != wanted) {
        fail(FailureKind::bad_content,
             std::string(userinfo ? "userinfo" : "id_token") + ": claim " + name +
                 (it == claims.end() ? " is missing" : " is \"" + utf8_excerpt(got, 80) + "\"") +
                 ", expected \"" + wanted + "\"");
        co_return finish();
      }
    }
    keep_session(access_token);
    pass(std::string(grant_name(s_.grant)) + " login as " + username_ +
         (id_token ? ", id_token verified" : "") + (userinfo ? ", userinfo ok" : "") +
         (ctx_.capture ? ", session kept for its checks" : ""));
    co_return finish();
  }

 private:
  bool wants_openid() const { return (" " + s_.scope + " ").find(" openid ") != std::string::npos; }

  boost::asio::awaitable<std::optional<nlohmann::json>> get_json(const std::string& what,
                                                                 const std::string& url) {
    WebRequest request;
    request.url = url;
    request.browser = false;
    request.follow_redirects = true;
    request.headers.emplace_back("Accept", "application/json");
    const WebResponse r = co_await session_.send(request);
    outcome_.phase(what, r.elapsed.count());
    if (!r.ok()) {
      fail(failure_kind_of(r), what + ": " + r.error);
      co_return std::nullopt;
    }
    if (r.status != 200) {
      fail(FailureKind::bad_status,
           what + ": expected status 200, got " + std::to_string(r.status));
      co_return std::nullopt;
    }
    auto parsed = parse_json_limited(r.body);
    if (!parsed.limit.empty()) {
      fail(FailureKind::protocol_error, what + ": response JSON " + parsed.limit);
      co_return std::nullopt;
    }
    auto json = std::move(parsed.value);
    if (json.is_discarded() || !json.is_object()) {
      fail(FailureKind::protocol_error, what + ": the answer is not a JSON object");
      co_return std::nullopt;
    }
    co_return json;
  }

  boost::asio::awaitable<bool> discover() {
    auto doc = co_await get_json("discovery", s_.issuer + "/.well-known/openid-configuration");
    if (!doc) co_return false;
    discovery_ = std::move(*doc);
    const std::string issuer = discovery_.value("issuer", "");
    nlohmann::json endpoints = nlohmann::json::array();
    for (const char* key : {"authorization_endpoint", "token_endpoint", "userinfo_endpoint",
                            "jwks_uri", "end_session_endpoint"}) {
      if (discovery_.contains(key)) endpoints.push_back(key);
    }
    outcome_.evidence()["discovery"] = {{"issuer", issuer}, {"endpoints", endpoints}};
    // OIDC Discovery §4.3: the issuer must be identical to the one the configuration came from.
    if (trim_slash(issuer) != s_.issuer) {
      fail(FailureKind::bad_content, "discovery: issuer is \"" + utf8_excerpt(issuer, 120) +
                                         "\", expected \"" + s_.issuer + "\"");
      co_return false;
    }
    std::vector<std::string> needed = {"jwks_uri"};
    if (s_.grant != Grant::none) needed.push_back("token_endpoint");
    if (s_.grant == Grant::authorization_code) needed.push_back("authorization_endpoint");
    if (s_.userinfo && (s_.grant == Grant::password || s_.grant == Grant::authorization_code)) {
      needed.push_back("userinfo_endpoint");
    }
    for (const auto& key : needed) {
      if (!discovery_.contains(key) || !discovery_[key].is_string()) {
        fail(FailureKind::bad_content, "discovery: no " + key);
        co_return false;
      }
    }
    co_return true;
  }

  boost::asio::awaitable<bool> fetch_jwks() {
    auto doc = co_await get_json("jwks", discovery_["jwks_uri"].get<std::string>());
    if (!doc) co_return false;
    jwks_ = std::move(*doc);
    if (!jwks_.contains("keys") || !jwks_["keys"].is_array() || jwks_["keys"].empty()) {
      fail(FailureKind::bad_content, "jwks: no keys");
      co_return false;
    }
    nlohmann::json kids = nlohmann::json::array();
    for (const auto& key : jwks_["keys"]) {
      if (key.is_object()) kids.push_back(key.value("kid", key.value("kty", "?")));
    }
    outcome_.evidence()["jwks"] = {{"keys", jwks_["keys"].size()}, {"kids", kids}};
    co_return true;
  }

  // The authorization code flow as a browser runs it: authorize, the login form, the redirect
  // back to the client with code and state.
  boost::asio::awaitable<std::optional<std::string>> authorize() {
    const std::string state = random_string(24);
    nonce_ = random_string(24);
    std::string url = discovery_["authorization_endpoint"].get<std::string>();
    const Fields parameters = {field("response_type", "code"),
                               field("client_id", s_.client_id),
                               field("redirect_uri", s_.redirect_uri),
                               field("scope", s_.scope),
                               field("state", state),
                               field("nonce", *nonce_)};
    for (const auto& [name, value] : parameters) {
      url = with_query_parameter(url, name, value);
    }
    WebRequest page_request;
    page_request.url = url;
    page_request.follow_redirects = true;
    const WebResponse page = co_await session_.send(page_request);
    outcome_.phase("authorize", page.elapsed.count());
    if (!page.ok()) {
      fail(failure_kind_of(page), "authorize: " + page.error);
      co_return std::nullopt;
    }
    if (page.status != 200) {
      fail(FailureKind::bad_status,
           "authorize: expected the login page (200), got " + std::to_string(page.status));
      co_return std::nullopt;
    }
    const auto forms = parse_html_forms(page.body);
    const HtmlForm* form = find_login_form(forms, s_.form);
    if (!form) {
      fail(FailureKind::protocol_error, "authorize: no login form on the provider's page");
      co_return std::nullopt;
    }
    if (const HtmlInput* captcha = form->captcha()) {
      fail(FailureKind::captcha_required,
           "authorize: the login form asks for a captcha (field " +
               (captcha->name.empty() ? captcha->id : captcha->name) + ")");
      co_return std::nullopt;
    }
    WebRequest submit;
    submit.method = "POST";
    submit.url = resolve_url(page.url, form->action);
    submit.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    submit.body = WebSession::form_encode(
        login_form_fields(*form, s_.fields, s_.username, s_.password.value()));
    WebResponse answer = co_await session_.send(submit);
    outcome_.phase("login", answer.elapsed.count());
    outcome_.measure("oidc_login_duration_seconds", answer.elapsed.count());
    // Follow the provider's own redirects (consent, session checks) until it sends the browser
    // back to the client.
    for (int hop = 0; hop < 5 && answer.ok() && answer.status >= 300 && answer.status <= 399 &&
                      answer.redirect_url.rfind(s_.redirect_uri, 0) != 0;
         ++hop) {
      WebRequest next;
      next.url = answer.redirect_url;
      answer = co_await session_.send(next);
    }
    if (!answer.ok()) {
      fail(failure_kind_of(answer), "login: " + answer.error);
      co_return std::nullopt;
    }
    if (answer.status < 300 || answer.status > 399 ||
        answer.redirect_url.rfind(s_.redirect_uri, 0) != 0) {
      const bool form_again = answer.status == 200 &&
                              find_login_form(parse_html_forms(answer.body), s_.form) != nullptr;
      fail(form_again ? FailureKind::auth_rejected : FailureKind::protocol_error,
           form_again ? "login refused: the provider's login form came back"
                      : "login: expected a redirect to " + s_.redirect_uri + ", got status " +
                            std::to_string(answer.status));
      co_return std::nullopt;
    }
    const auto error = query_parameter(answer.redirect_url, "error");
    if (error) {
      fail(FailureKind::auth_rejected, "authorize: the provider answered error=" + *error);
      co_return std::nullopt;
    }
    auto code = query_parameter(answer.redirect_url, "code");
    if (!code || code->empty()) {
      fail(FailureKind::protocol_error, "authorize: the redirect carries no code");
      co_return std::nullopt;
    }
    session_.hide(*code);
    if (query_parameter(answer.redirect_url, "state") != state) {
      fail(FailureKind::protocol_error, "authorize: the state came back changed");
      co_return std::nullopt;
    }
    co_return code;
  }

  boost::asio::awaitable<std::optional<nlohmann::json>> token_request(Fields fields) {
    WebRequest request;
    request.method = "POST";
    request.url = discovery_["token_endpoint"].get<std::string>();
    request.browser = false;
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.headers.emplace_back("Accept", "application/json");
    if (s_.client_auth_basic) {
      // RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic encoding.
      request.basic_auth = {url_encode(s_.client_id), url_encode(s_.client_secret.value())};
    } else {
      fields.emplace_back("client_id", s_.client_id);
      fields.emplace_back("client_secret", s_.client_secret.value());
    }
    request.body = WebSession::form_encode(fields);
    const WebResponse r = co_await session_.send(request);
    outcome_.phase("token", r.elapsed.count());
    outcome_.measure("oidc_token_duration_seconds", r.elapsed.count());
    // Evidence keys avoid the word "token": the evidence redactor blanks such keys whole.
    nlohmann::json token_evidence = {{"type", grant_name(s_.grant)}, {"status", r.status}};
    if (!r.ok()) {
      outcome_.evidence()["grant"] = token_evidence;
      fail(failure_kind_of(r), "token: " + r.error);
      co_return std::nullopt;
    }
    auto parsed = parse_json_limited(r.body);
    auto json = std::move(parsed.value);
    if (json.is_object()) {
      for (const char* key : {"access_token", "id_token", "refresh_token"}) {
        if (json.contains(key) && json[key].is_string())
          session_.hide(json[key].get<std::string>());
      }
    }
    if (r.status != 200) {
      outcome_.evidence()["grant"] = token_evidence;
      const std::string error = json.is_object() ? json.value("error", "") : "";
      const bool refused = r.status == 400 || r.status == 401 || r.status == 403;
      fail(refused ? FailureKind::auth_rejected : FailureKind::bad_status,
           "token: status " + std::to_string(r.status) +
               (error.empty() ? "" : " " + utf8_excerpt(error, 60)) +
               (error == "invalid_client"  ? " (client id or secret refused)"
                : error == "invalid_grant" ? " (the user's credentials or the code were refused)"
                                           : ""));
      co_return std::nullopt;
    }
    if (!parsed.limit.empty()) {
      outcome_.evidence()["grant"] = token_evidence;
      fail(FailureKind::protocol_error, "token: response JSON " + parsed.limit);
      co_return std::nullopt;
    }
    if (!json.is_object() || !json.contains("access_token") || !json["access_token"].is_string()) {
      outcome_.evidence()["grant"] = token_evidence;
      fail(FailureKind::protocol_error, "token: the answer has no access_token");
      co_return std::nullopt;
    }
    nlohmann::json issued = nlohmann::json::array();
    for (const char* key : {"access_token", "id_token", "refresh_token"}) {
      if (json.contains(key))
        issued.push_back(std::string_view(key).substr(0, std::string_view(key).find('_')));
    }
    token_evidence["issued"] = std::move(issued);  // access, id, refresh
    token_evidence["bearer_type"] = json.value("token_type", "");
    if (json.contains("expires_in")) token_evidence["expires_in"] = json["expires_in"];
    outcome_.evidence()["grant"] = token_evidence;
    co_return json;
  }

  std::optional<VerifiedJwt> check_id_token(const std::string& token) {
    if (token.empty()) {
      fail(FailureKind::protocol_error, "token: scope has openid but the answer has no id_token");
      return std::nullopt;
    }
    JwtExpectations expected;
    expected.issuer = discovery_.value("issuer", "");
    expected.audience = s_.client_id;
    expected.nonce = nonce_;
    expected.algorithms = s_.algorithms;
    std::string error;
    auto verified = verify_jwt(token, jwks_, expected, error);
    const auto header = jwt_header(token);
    nlohmann::json e = nlohmann::json::object();
    if (header) {
      e["alg"] = header->value("alg", "");
      e["kid"] = header->value("kid", "");
    }
    if (!verified) {
      outcome_.evidence()["identity"] = e;
      fail(FailureKind::protocol_error, "id_token: " + error);
      return std::nullopt;
    }
    nlohmann::json names = nlohmann::json::array();
    for (const auto& [name, value] : verified->claims.items())
      names.push_back(name);
    e["claims"] = std::move(names);
    username_ = verified->claims.value("preferred_username", verified->claims.value("sub", ""));
    e["username"] = username_;
    const auto exp = verified->claims["exp"].get<std::int64_t>();
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    outcome_.measure("oidc_id_token_lifetime_seconds", double(exp - now));
    outcome_.evidence()["identity"] = std::move(e);
    return verified;
  }

  boost::asio::awaitable<std::optional<nlohmann::json>> fetch_userinfo(
      const std::string& access_token, const std::optional<VerifiedJwt>& id_token) {
    WebRequest request;
    request.url = discovery_["userinfo_endpoint"].get<std::string>();
    request.browser = false;
    request.headers.emplace_back("Authorization", "Bearer " + access_token);
    request.headers.emplace_back("Accept", "application/json");
    const WebResponse r = co_await session_.send(request);
    outcome_.phase("userinfo", r.elapsed.count());
    if (!r.ok()) {
      fail(failure_kind_of(r), "userinfo: " + r.error);
      co_return std::nullopt;
    }
    if (r.status != 200) {
      fail(
          r.status == 401 || r.status == 403 ? FailureKind::auth_rejected : FailureKind::bad_status,
          "userinfo: status " + std::to_string(r.status));
      co_return std::nullopt;
    }
    auto parsed = parse_json_limited(r.body);
    if (!parsed.limit.empty()) {
      fail(FailureKind::protocol_error, "userinfo: response JSON " + parsed.limit);
      co_return std::nullopt;
    }
    auto json = std::move(parsed.value);
    if (json.is_discarded() || !json.is_object()) {
      fail(FailureKind::protocol_error, "userinfo: the answer is not a JSON object");
      co_return std::nullopt;
    }
    nlohmann::json names = nlohmann::json::array();
    for (const auto& [name, value] : json.items())
      names.push_back(name);
    outcome_.evidence()["userinfo"] = {{"status", r.status}, {"claims", names}};
    // OIDC Core §5.3.2: the sub in userinfo must be the id_token's.
    if (id_token && json.value("sub", "") != id_token->claims.value("sub", "")) {
      fail(FailureKind::protocol_error, "userinfo: sub differs from the id_token's");
      co_return std::nullopt;
    }
    if (username_.empty()) username_ = json.value("preferred_username", json.value("sub", ""));
    co_return json;
  }

  // As a shared session's login: its checks send the access token as a bearer token, and
  // (authorization code) the provider's cookies let them through its authorize endpoint.
  void keep_session(const std::string& access_token) {
    if (!ctx_.capture) return;
    session_.capture(*ctx_.capture);
    ctx_.capture->bearer = access_token;
    const auto endpoint = discovery_.find("authorization_endpoint");
    if (endpoint != discovery_.end() && endpoint->is_string()) {
      ctx_.capture->login_urls.push_back(endpoint->get<std::string>());
    }
  }

  void fail(FailureKind kind, std::string reason) { outcome_.fail(kind, std::move(reason)); }
  void pass(std::string reason) { outcome_.pass(std::move(reason)); }
  ProbeResult finish() { return outcome_.finish(session_); }

  const OidcSettings& s_;
  ProbeContext& ctx_;
  WebSession session_;
  nlohmann::json discovery_;
  nlohmann::json jwks_;
  std::optional<std::string> nonce_;
  std::string username_;
  RunOutcome outcome_;
};

class OidcProbe final : public Probe {
 public:
  explicit OidcProbe(OidcSettings settings) : s_(std::move(settings)) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    OidcRun run(s_, ctx);
    co_return co_await run.run();
  }

 private:
  OidcSettings s_;
};

}  // namespace

CAMPUS_REGISTER_PROBE(
    "oidc", probe_from_settings<OidcProbe>(parse_oidc_settings),
    .measurements = {{"oidc_login_duration_seconds",
                      "Time the provider's login form took (authorization code)"},
                     {"oidc_token_duration_seconds", "Time the token endpoint took"},
                     {"oidc_id_token_lifetime_seconds", "Seconds until the id_token expires"}},
    .logs_in = true);

}  // namespace campus
