// The `cas` probe: logs a test account in to a CAS server (Apereo CAS, LemonLDAP::NG, vendor
// builds such as Wisedu's authserver) through its login form or REST API, validates the
// service ticket as the service would, and logs out again.

#include <utility>

#include "cas_settings.h"
#include "cas_validation.h"
#include "common/curl_result.h"
#include "common/html_forms.h"
#include "common/login_form.h"
#include "common/run_outcome.h"
#include "common/transforms.h"
#include "common/url.h"
#include "core/redactor.h"
#include "core/text_width.h"
#include "probe/registry.h"

namespace campus {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// One run's state and the result it builds up.
class CasRun {
 public:
  CasRun(const CasSettings& s, ProbeContext& ctx) : s_(s), ctx_(ctx), session_(ctx, s.web) {
    session_.hide(s_.password.value());
  }

  boost::asio::awaitable<ProbeResult> run() {
    outcome_.evidence() = {{"mode", s_.mode == CasSettings::Mode::form ? "form" : "rest"},
                           {"service", s_.service}};
    if (ctx_.capture) co_return co_await session_login();
    std::optional<std::string> ticket;
    std::optional<std::string> tgt_url;
    if (s_.mode == CasSettings::Mode::form) {
      ticket = co_await form_login();
    } else {
      ticket = co_await rest_login(tgt_url);
    }
    if (!ticket) co_return finish();
    if (!co_await validate(*ticket)) {
      co_await logout(tgt_url);
      co_return finish();
    }
    co_await logout(tgt_url);
    outcome_.pass("logged in as " + validated_user_ + ", ticket validated" +
                  (s_.logout ? ", logged out" : ""));
    co_return finish();
  }

 private:
  // As a shared session's login: the browser's login keeps its ticket-granting cookie for the
  // session's checks, so there is no logout. Only the form does that; a REST TGT is no browser
  // session.
  boost::asio::awaitable<ProbeResult> session_login() {
    if (s_.mode != CasSettings::Mode::form) {
      fail(FailureKind::protocol_error,
           "a session logs in through the CAS login form (mode: form); the REST API leaves no "
           "browser session for its checks");
      co_return finish();
    }
    const auto ticket = co_await form_login();
    if (!ticket || !co_await validate(*ticket)) co_return finish();
    session_.capture(*ctx_.capture);
    ctx_.capture->login_urls.push_back(s_.base + "/login");
    outcome_.evidence()["session_kept"] = true;
    outcome_.pass("logged in as " + validated_user_ +
                  ", ticket validated, session kept for its checks");
    co_return finish();
  }

  boost::asio::awaitable<std::optional<std::string>> form_login() {
    const std::string login_url = with_query_parameter(s_.base + "/login", "service", s_.service);
    WebRequest page_request;
    page_request.url = login_url;
    page_request.follow_redirects = true;
    const WebResponse page = co_await session_.send(page_request);
    phase("login_page", page);
    if (!transport_ok(page, "login page")) co_return std::nullopt;
    if (page.status != 200) {
      fail(FailureKind::bad_status,
           "login page: expected status 200, got " + std::to_string(page.status));
      co_return std::nullopt;
    }
    const auto forms = parse_html_forms(page.body);
    const HtmlForm* form = find_login_form(forms, s_.form);
    if (!form) {
      fail(FailureKind::protocol_error,
           "login page: no login form (" +
               (s_.form.id || s_.form.name || s_.form.action || s_.form.index
                    ? "no " + s_.form.describe()
                    : std::string("no form with a password field")) +
               ", " + std::to_string(forms.size()) + " form(s) on the page)");
      co_return std::nullopt;
    }
    if (const HtmlInput* captcha = form->captcha()) {
      captcha_failure("login page", *captcha);
      co_return std::nullopt;
    }
    auto fields = login_fields(*form);
    if (!fields) co_return std::nullopt;
    WebRequest submit;
    submit.method = "POST";
    submit.url = resolve_url(page.url, form->action);
    submit.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    submit.body = WebSession::form_encode(*fields);
    const WebResponse answer = co_await session_.send(submit);
    phase("login", answer);
    outcome_.measure("cas_login_duration_seconds", answer.elapsed.count());
    outcome_.evidence()["login"] = {{"status", answer.status},
                                    {"duration_ms", int(answer.elapsed.count() * 1000)},
                                    {"hidden_fields", hidden_names(*form)}};
    if (!transport_ok(answer, "login")) co_return std::nullopt;
    const std::string location = answer.redirect_url;
    if (answer.status >= 300 && answer.status <= 399) {
      auto ticket = query_parameter(location, "ticket");
      if (ticket && !ticket->empty()) {
        session_.hide(*ticket);
        if (location.rfind(s_.service.substr(0, s_.service.find('?')), 0) != 0) {
          fail(FailureKind::protocol_error,
               "login: redirected with a ticket to " +
                   utf8_excerpt(location.substr(0, location.find('?')), 120) +
                   ", not to the service");
          co_return std::nullopt;
        }
        co_return ticket;
      }
      fail(FailureKind::auth_rejected,
           "login: redirected to " + utf8_excerpt(location.substr(0, location.find('?')), 120) +
               " without a service ticket");
      co_return std::nullopt;
    }
    if (answer.status == 200) {
      const auto again = parse_html_forms(answer.body);
      const HtmlForm* retry = find_login_form(again, s_.form);
      if (retry) {
        if (const HtmlInput* captcha = retry->captcha()) {
          captcha_failure("login", *captcha);
          co_return std::nullopt;
        }
        const std::string message = html_error_message(answer.body);
        fail(
            FailureKind::auth_rejected,
            "login refused: the login form came back" +
                (message.empty() ? std::string(" (wrong username or password?)") : ": " + message));
        co_return std::nullopt;
      }
    }
    const std::string message = answer.status == 200 ? html_error_message(answer.body) : "";
    fail(answer.status >= 400 ? FailureKind::bad_status : FailureKind::protocol_error,
         "login: expected a redirect to the service with a ticket, got status " +
             std::to_string(answer.status) +
             (message.empty() ? std::string() : " (the page says: " + message + ")"));
    co_return std::nullopt;
  }

  // The fields a browser would post, the password encrypted as the page would if it asks to.
  std::optional<Fields> login_fields(const HtmlForm& form) {
    for (const HtmlInput* input : form.hidden()) {
      if (Redactor::is_sensitive_name(input->name)) session_.hide(input->value);
    }
    std::string password = s_.password.value();
    const HtmlInput* salt = find_input(form, "pwdEncryptSalt");
    const bool encrypt = s_.encryption == CasSettings::Encryption::aes ||
                         (s_.encryption == CasSettings::Encryption::automatic && salt);
    if (encrypt) {
      if (!salt || salt->value.empty()) {
        fail(FailureKind::protocol_error, "login page: no pwdEncryptSalt to encrypt the password");
        return std::nullopt;
      }
      // What Wisedu's encrypt.js does: AES-CBC keyed by the page's salt, 64 random characters
      // before the password, a random 16-character IV, PKCS#7, base64.
      std::string error;
      auto encrypted =
          aes_cbc_base64(random_string(64) + password, salt->value, random_string(16), error);
      if (!encrypted) {
        fail(FailureKind::protocol_error, "login page: cannot encrypt the password: " + error);
        return std::nullopt;
      }
      password = std::move(*encrypted);
      session_.hide(password);
      outcome_.evidence()["login_encryption"] = "aes";
    }
    return login_form_fields(form, {s_.username_field, s_.password_field}, s_.username, password);
  }

  boost::asio::awaitable<std::optional<std::string>> rest_login(
      std::optional<std::string>& tgt_url) {
    WebRequest tickets;
    tickets.method = "POST";
    tickets.url = s_.base + "/v1/tickets";
    tickets.browser = false;
    tickets.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    tickets.body =
        WebSession::form_encode({{"username", s_.username}, {"password", s_.password.value()}});
    const WebResponse tgt = co_await session_.send(tickets);
    phase("login", tgt);
    outcome_.measure("cas_login_duration_seconds", tgt.elapsed.count());
    outcome_.evidence()["login"] = {{"status", tgt.status},
                                    {"duration_ms", int(tgt.elapsed.count() * 1000)}};
    if (!transport_ok(tgt, "POST /v1/tickets")) co_return std::nullopt;
    if (tgt.status == 400 || tgt.status == 401 || tgt.status == 403) {
      fail(FailureKind::auth_rejected,
           "POST /v1/tickets: credentials refused (status " + std::to_string(tgt.status) + ")");
      co_return std::nullopt;
    }
    const auto location = tgt.header("location");
    if (tgt.status != 201 || !location || location->empty()) {
      fail(tgt.status == 201 ? FailureKind::protocol_error : FailureKind::bad_status,
           "POST /v1/tickets: expected 201 with the ticket-granting ticket in Location, got " +
               std::to_string(tgt.status) + (location ? "" : " without Location"));
      co_return std::nullopt;
    }
    tgt_url = resolve_url(tickets.url, *location);
    const auto slash = tgt_url->rfind('/');
    session_.hide(tgt_url->substr(slash + 1));

    WebRequest st_request;
    st_request.method = "POST";
    st_request.url = *tgt_url;
    st_request.browser = false;
    st_request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    st_request.body = WebSession::form_encode({{"service", s_.service}});
    const WebResponse st = co_await session_.send(st_request);
    phase("ticket", st);
    outcome_.measure("cas_ticket_duration_seconds", st.elapsed.count());
    outcome_.evidence()["service_ticket"] = {{"status", st.status},
                                             {"duration_ms", int(st.elapsed.count() * 1000)}};
    if (!transport_ok(st, "POST the ticket-granting ticket")) co_return std::nullopt;
    std::string ticket = st.body;
    while (!ticket.empty() && std::isspace(static_cast<unsigned char>(ticket.back())))
      ticket.pop_back();
    session_.hide(ticket);
    if (st.status != 200 || ticket.rfind("ST-", 0) != 0) {
      fail(st.status == 200 ? FailureKind::protocol_error : FailureKind::bad_status,
           "POST the ticket-granting ticket: expected 200 with a service ticket ST-…, got " +
               std::to_string(st.status));
      co_return std::nullopt;
    }
    co_return ticket;
  }

  boost::asio::awaitable<bool> validate(const std::string& ticket) {
    const std::string path = s_.protocol == 3 ? "/p3/serviceValidate" : "/serviceValidate";
    std::string url = with_query_parameter(s_.base + path, "service", s_.service);
    url = with_query_parameter(url, "ticket", ticket);
    if (s_.json) url = with_query_parameter(url, "format", "JSON");
    WebRequest request;
    request.url = url;
    request.browser = false;  // the service validates server to server
    const WebResponse answer = co_await session_.send(request);
    phase("validate", answer);
    outcome_.measure("cas_validate_duration_seconds", answer.elapsed.count());
    nlohmann::json validation = {{"endpoint", path},
                                 {"status", answer.status},
                                 {"duration_ms", int(answer.elapsed.count() * 1000)}};
    auto done = [&](bool ok) {
      outcome_.evidence()["validation"] = std::move(validation);
      return ok;
    };
    if (!transport_ok(answer, "validate")) co_return done(false);
    if (answer.status != 200) {
      fail(FailureKind::bad_status,
           "validate: expected status 200, got " + std::to_string(answer.status));
      co_return done(false);
    }
    const auto parsed = s_.json ? parse_cas_json(answer.body) : parse_cas_xml(answer.body);
    if (!parsed) {
      fail(FailureKind::protocol_error, "validate: the answer is not a CAS serviceResponse");
      co_return done(false);
    }
    if (!parsed->success) {
      validation["outcome"] = "failure";
      validation["code"] = parsed->failure_code;
      fail(FailureKind::auth_rejected,
           "validate: " + parsed->failure_code +
               (parsed->failure_message.empty()
                    ? std::string()
                    : ": " + utf8_excerpt(parsed->failure_message, 120)));
      co_return done(false);
    }
    validation["outcome"] = "success";
    validation["user"] = parsed->user;
    nlohmann::json names = nlohmann::json::array();
    for (const auto& [name, values] : parsed->attributes)
      names.push_back(name);
    validation["attributes"] = std::move(names);
    validated_user_ = parsed->user;
    if (!s_.expect_user.empty() && parsed->user != s_.expect_user) {
      fail(FailureKind::bad_content,
           "validate: ticket is for user " + parsed->user + ", expected " + s_.expect_user);
      co_return done(false);
    }
    for (const auto& wanted : s_.require_attributes) {
      if (!parsed->attributes.count(wanted)) {
        fail(FailureKind::bad_content, "validate: attribute " + wanted + " was not released");
        co_return done(false);
      }
    }
    co_return done(true);
  }

  boost::asio::awaitable<void> logout(const std::optional<std::string>& tgt_url) {
    if (!s_.logout) co_return;
    WebRequest request;
    if (tgt_url) {
      request.method = "DELETE";
      request.url = *tgt_url;
      request.browser = false;
    } else {
      request.url = s_.base + "/logout";
    }
    const WebResponse answer = co_await session_.send(request);
    phase("logout", answer);
    // A failed logout leaves a session behind but does not make the login fail.
    outcome_.evidence()["logout"] = answer.ok() ? nlohmann::json{{"status", answer.status}}
                                                : nlohmann::json{{"error", answer.error}};
  }

  bool transport_ok(const WebResponse& r, const std::string& what) {
    if (r.ok()) return true;
    fail(failure_kind_of(r), what + ": " + r.error);
    return false;
  }

  void captcha_failure(const std::string& where, const HtmlInput& captcha) {
    fail(FailureKind::captcha_required,
         where + ": the server asks for a captcha (field " +
             (captcha.name.empty() ? captcha.id : captcha.name) +
             "); exempt the test account from captchas so it can be checked");
  }

  static nlohmann::json hidden_names(const HtmlForm& form) {
    nlohmann::json names = nlohmann::json::array();
    for (const HtmlInput* input : form.hidden()) {
      names.push_back(input->name.empty() ? input->id : input->name);
    }
    return names;
  }

  void fail(FailureKind kind, std::string reason) { outcome_.fail(kind, std::move(reason)); }
  void phase(const std::string& name, const WebResponse& r) {
    outcome_.phase(name, r.elapsed.count());
  }
  ProbeResult finish() { return outcome_.finish(session_); }

  const CasSettings& s_;
  ProbeContext& ctx_;
  WebSession session_;
  RunOutcome outcome_;
  std::string validated_user_;
};

class CasProbe final : public Probe {
 public:
  explicit CasProbe(CasSettings settings) : s_(std::move(settings)) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    CasRun run(s_, ctx);
    co_return co_await run.run();
  }

 private:
  CasSettings s_;
};

}  // namespace

CAMPUS_REGISTER_PROBE(
    "cas", probe_from_settings<CasProbe>(parse_cas_settings),
    .measurements = {{"cas_login_duration_seconds",
                      "Time the CAS login (form post or TGT request) took"},
                     {"cas_ticket_duration_seconds", "Time the service ticket request took (REST)"},
                     {"cas_validate_duration_seconds", "Time the ticket validation took"}},
    .logs_in = true);

}  // namespace campus
