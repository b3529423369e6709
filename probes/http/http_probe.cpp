// The `http` probe: one HTTP(S) request through libcurl's multi interface, with assertions on
// status, body and JSON, and the timings and TLS facts of the exchange.

#include <algorithm>
#include <utility>

#include <boost/asio/use_awaitable.hpp>

#include "common/curl_result.h"
#include "common/curl_setup.h"
#include "common/session_use.h"
#include "core/body_budget.h"
#include "core/duration.h"
#include "core/hash.h"
#include "core/json_parse.h"
#include "core/redactor.h"
#include "core/strings.h"
#include "core/text_width.h"
#include "http_settings.h"
#include "net/curl_driver.h"
#include "net/curl_handles.h"
#include "probe/registry.h"

namespace campus {
namespace {

// Response headers worth keeping as evidence; credential-bearing ones are never kept.
bool is_evidence_header(std::string_view name) {
  auto is = [&](std::string_view wanted) { return iequals(name, wanted); };
  return is("content-type") || is("content-length") || is("server") || is("location") ||
         is("cache-control") || is("www-authenticate");
}

// Everything one transfer collects; lives in the coroutine frame.
struct Exchange {
  CurlEasy easy = make_curl_easy();
  CurlList request_headers;
  CurlList connect_to;  // for server_name
  CurlList resolve;     // for resolve
  // Before the body: the buffer is freed first, then its share of the budget given back.
  BodyReservation reservation;
  std::string body;
  std::size_t max_body = 0;
  std::size_t body_seen = 0;
  bool truncated = false;
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;  // of the last response
  std::optional<PeerTls> tls;
  RunLog* log = nullptr;
  // What this run sent that a response may echo (run_secrets()); null when nothing.
  const Redactor* hide = nullptr;
  bool keep_headers = true;  // for the evidence; the step log is asked separately
  char error[CURL_ERROR_SIZE] = {0};
  int socket_errno = 0;

  static size_t on_body(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<Exchange*>(self_ptr);
    const size_t n = size * count;
    self->body_seen += n;
    const size_t room = self->max_body - self->body.size();
    // Within the process-wide budget too: stop the transfer when runs in flight hold it all.
    if (!append_body(self->body, std::string_view(data, std::min(n, room)), self->max_body,
                     self->reservation)) {
      return 0;
    }
    if (n > room) {
      // Keep what fits for inspection and stop: a huge body is never buffered whole.
      self->truncated = true;
      return 0;
    }
    return n;
  }

  static size_t on_header(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<Exchange*>(self_ptr);
    const size_t n = size * count;
    std::string_view line(data, n);
    if (line.rfind("HTTP/", 0) == 0) {
      self->status_line = trim(line);
      self->headers.clear();
      if (!self->tls) self->tls = peer_tls(self->easy.get());
      self->log->add("< ", self->status_line);
      return n;
    }
    // Header lines matter only to the step log and the evidence; a scheduled run with neither
    // skips them.
    if (!self->keep_headers && !self->log->verbose()) return n;
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = trim_view(line.substr(0, colon));
      const std::string_view value = trim_view(line.substr(colon + 1));
      if (self->log->verbose()) {
        if (Redactor::is_sensitive_name(name)) {
          self->log->add("< ", name, ": ", kRedacted);
        } else if (self->hide) {
          self->log->add("< ", name, ": ", self->hide->text(value));
        } else {
          self->log->add("< ", name, ": ", value);
        }
      }
      // Only the headers kept as evidence are stored.
      if (self->keep_headers && is_evidence_header(name))
        self->headers.emplace_back(lower(name), value);
    }
    return n;
  }
};

class HttpProbe final : public Probe {
 public:
  explicit HttpProbe(HttpSettings settings) : s_(std::move(settings)) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    Exchange x;
    x.max_body = s_.max_body_bytes;
    x.log = &ctx.log;
    x.keep_headers = ctx.wants_evidence;
    const Redactor hide(run_secrets(ctx));
    if (hide.has_values()) x.hide = &hide;
    configure(x, ctx);
    ctx.log.add("> ", s_.method, " ", s_.url);
    const CURLcode rc =
        co_await ctx.curl.async_perform(x.easy.get(), ctx.cancel, boost::asio::use_awaitable);
    if (ctx.session && rc == CURLE_OK) {
      long status = 0;
      char* final_url = nullptr;
      curl_easy_getinfo(x.easy.get(), CURLINFO_RESPONSE_CODE, &status);
      curl_easy_getinfo(x.easy.get(), CURLINFO_EFFECTIVE_URL, &final_url);
      note_session_response(ctx, status, final_url ? final_url : s_.url);
    }
    ProbeResult result = judge(x, rc, ctx.wants_evidence);
    // A target that reflects the request (an echo endpoint, a debug page, an error page quoting
    // the headers) shows what was sent in the body that becomes the evidence's excerpt.
    if (x.hide) {
      result.reason = hide.text(result.reason);
      result.evidence = hide.json(result.evidence);
    }
    co_return result;
  }

 private:
  void configure(Exchange& x, ProbeContext& ctx) const {
    CURL* e = x.easy.get();
    curl_easy_setopt(e, CURLOPT_URL, s_.url.c_str());
    // A prober measures a fresh connection every time, as a user's first visit would.
    apply_curl_setup(e, ctx,
                     {.error_buffer = x.error,
                      .on_body = &Exchange::on_body,
                      .on_header = &Exchange::on_header,
                      .callback_data = &x,
                      .fresh_connection = true,
                      .tls = &s_.tls,
                      .socket_errno = &x.socket_errno});
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, s_.follow_redirects ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, long(s_.max_redirects));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (s_.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (s_.method != "GET") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, s_.method.c_str());
    }
    if (s_.body) {
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, s_.body->c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, long(s_.body->size()));
    }
    for (const auto& [name, value] : s_.headers)
      x.request_headers.append(name + ": " + value);
    // A check of a shared session starts with its cookie jar (and token, unless the check
    // authenticates itself): an app behind SSO is reached without posting credentials.
    load_session_cookies(e, ctx);
    if (s_.auth == HttpSettings::Auth::none && !has_authorization_header()) {
      if (auto bearer = session_bearer_header(ctx); !bearer.empty())
        x.request_headers.append(bearer);
    }
    if (s_.auth == HttpSettings::Auth::bearer) {
      x.request_headers.append("Authorization: Bearer " + s_.auth_secret.value());
    } else if (s_.auth != HttpSettings::Auth::none) {
      // Digest: libcurl answers the server's 401 challenge (RFC 7616) on the same transfer.
      curl_easy_setopt(e, CURLOPT_HTTPAUTH,
                       s_.auth == HttpSettings::Auth::digest ? CURLAUTH_DIGEST : CURLAUTH_BASIC);
      curl_easy_setopt(e, CURLOPT_USERNAME, s_.auth_user.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, s_.auth_secret.value().c_str());
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x.request_headers.get());
    if (s_.proxy) curl_easy_setopt(e, CURLOPT_PROXY, s_.proxy->c_str());
    for (const auto& entry : s_.resolve)
      x.resolve.append(entry);
    if (x.resolve.get()) curl_easy_setopt(e, CURLOPT_RESOLVE, x.resolve.get());
    if (s_.ip_version == 4) curl_easy_setopt(e, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V4);
    if (s_.ip_version == 6) curl_easy_setopt(e, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V6);
    if (s_.tls.server_name) apply_server_name(x);
  }

  // What this run sends that is as good as a secret, in the forms it goes on the wire: the
  // Basic credential (base64 of user:password), the bearer token, and a shared session's token
  // and cookies, which are not among the config's secrets at all.
  std::vector<std::string> run_secrets(const ProbeContext& ctx) const {
    std::vector<std::string> out;
    if (s_.auth == HttpSettings::Auth::basic) {
      out = basic_credential_forms(s_.auth_user, s_.auth_secret.value());
    }
    if (s_.auth != HttpSettings::Auth::none) out.push_back(s_.auth_secret.value());
    if (ctx.session) {
      if (ctx.session->capture.bearer && s_.auth == HttpSettings::Auth::none &&
          !has_authorization_header()) {
        out.push_back(*ctx.session->capture.bearer);
      }
      // Short cookie values (a language, a flag) are no session's key, and would blank words.
      for (auto& value : session_cookie_values(ctx.session->capture)) {
        if (value.size() >= 8) out.push_back(std::move(value));
      }
    }
    return out;
  }

  bool has_authorization_header() const {
    for (const auto& [name, value] : s_.headers) {
      if (iequals(name, "authorization")) return true;
    }
    return false;
  }

  // TLS SNI and certificate name differ from the address: ask for the server name in the URL and
  // connect to the configured address instead.
  void apply_server_name(Exchange& x) const {
    CURLU* url = curl_url();
    char* host = nullptr;
    if (curl_url_set(url, CURLUPART_URL, s_.url.c_str(), 0) == CURLUE_OK &&
        curl_url_get(url, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
      const std::string original = host;
      curl_free(host);
      curl_url_set(url, CURLUPART_HOST, s_.tls.server_name->c_str(), 0);
      char* rewritten = nullptr;
      if (curl_url_get(url, CURLUPART_URL, &rewritten, 0) == CURLUE_OK) {
        curl_easy_setopt(x.easy.get(), CURLOPT_URL, rewritten);  // curl copies the string
        curl_free(rewritten);
        x.connect_to.append(*s_.tls.server_name + "::" + original + ":");
        curl_easy_setopt(x.easy.get(), CURLOPT_CONNECT_TO, x.connect_to.get());
      }
    }
    curl_url_cleanup(url);
  }

  // What was asked and what came back, for the evidence log and debug output.
  nlohmann::json observed(const Exchange& x, long status, long redirects) const {
    nlohmann::json evidence = {{"request", {{"method", s_.method}, {"url", s_.url}}}};
    nlohmann::json response = nlohmann::json::object();
    if (status > 0) {
      char* final_url = nullptr;
      curl_easy_getinfo(x.easy.get(), CURLINFO_EFFECTIVE_URL, &final_url);
      response["status"] = status;
      response["status_line"] = utf8_excerpt(x.status_line, 200);
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [name, value] : x.headers) {
        headers[name] = utf8_excerpt(value, 200);  // only evidence headers were kept
      }
      response["headers"] = headers;
      response["body_bytes"] = x.body_seen;
      response["body_sha256"] = sha256_hex(x.body);
      response["body_truncated"] = x.truncated;
      response["excerpt"] = utf8_excerpt(x.body, 256);
      if (final_url) response["final_url"] = final_url;
      response["redirects"] = redirects;
      evidence["response"] = std::move(response);
    }
    if (x.tls) {
      nlohmann::json tls = {{"version", x.tls->version}};
      if (x.tls->not_after) tls["cert_not_after"] = *x.tls->not_after;
      evidence["tls"] = tls;
    }
    return evidence;
  }

  ProbeResult judge(Exchange& x, CURLcode rc, bool wants_evidence) const {
    CURL* e = x.easy.get();
    const bool truncated_only = rc == CURLE_WRITE_ERROR && x.truncated;
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    long redirects = 0;
    curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);
    // Left empty when nobody reads it: building it is a good part of a probe's own CPU time.
    nlohmann::json evidence = wants_evidence ? observed(x, status, redirects) : nlohmann::json();

    ProbeResult result = ProbeResult::pass("");
    add_curl_phases(e, result);
    if (x.tls) {
      if (x.tls->not_after) {
        result.measure("tls_cert_not_after_timestamp_seconds", *x.tls->not_after);
      }
      result.measure("http_tls_version", x.tls->version == "TLSv1.3"   ? 13
                                         : x.tls->version == "TLSv1.2" ? 12
                                                                       : 0);
    }

    auto fail = [&](FailureKind kind, std::string reason) {
      ProbeResult r = ProbeResult::fail(kind, std::move(reason));
      r.phases = std::move(result.phases);
      r.measurements = std::move(result.measurements);
      r.evidence = std::move(evidence);
      return r;
    };

    if (rc == CURLE_WRITE_ERROR && x.reservation.refused()) {
      // The agent's own limit, not the target's fault: no verdict on the target.
      const std::string reason = x.reservation.budget().exhausted_reason();
      ctx_log(x, reason + "; transfer stopped after " + std::to_string(x.body_seen) + " bytes");
      ProbeResult r = ProbeResult::error(reason);
      r.phases = std::move(result.phases);
      r.evidence = std::move(evidence);
      return r;
    }
    if (out_of_descriptors(rc, x.socket_errno)) {
      // The agent's own limit, not the target refusing: no verdict on the target.
      const std::string reason = out_of_descriptors_reason(x.socket_errno);
      ctx_log(x, reason + "; no socket for the connection");
      ProbeResult r = ProbeResult::error(reason);
      r.evidence = std::move(evidence);
      return r;
    }
    if (rc != CURLE_OK && !truncated_only) {
      ctx_log(x, "curl: " + describe_curl_error(rc, x.error));
      return fail(failure_kind_of(rc), describe_curl_failure(e, rc, x.error));
    }
    result.measure("http_status_code", double(status));
    result.measure("http_content_length_bytes", double(x.body_seen));
    result.measure("http_redirects", double(redirects));
    if (x.truncated) ctx_log(x, "body truncated at " + std::to_string(x.max_body) + " bytes");

    const bool status_ok = s_.valid_status.empty()
                               ? status >= 200 && status <= 299
                               : std::find(s_.valid_status.begin(), s_.valid_status.end(),
                                           status) != s_.valid_status.end();
    if (!status_ok) {
      const std::string expected = s_.valid_status.empty() ? "2xx" : [&] {
        std::string list;
        for (int c : s_.valid_status)
          list += (list.empty() ? "" : ", ") + std::to_string(c);
        return list;
      }();
      const bool auth = (status == 401 || status == 403) && s_.auth != HttpSettings::Auth::none;
      return fail(auth ? FailureKind::auth_rejected : FailureKind::bad_status,
                  "expected status " + expected + ", got " + std::to_string(status));
    }
    for (const auto& re : s_.body_must_match) {
      if (!re.search(x.body)) {
        return fail(FailureKind::bad_content, "body does not match /" + re.pattern() + "/");
      }
    }
    for (const auto& re : s_.body_must_not_match) {
      if (re.search(x.body)) {
        return fail(FailureKind::bad_content, "body matches /" + re.pattern() + "/");
      }
    }
    if (!s_.json_assert.empty()) {
      if (x.truncated) {
        return fail(FailureKind::bad_content,
                    "body is larger than max_body_bytes, so JSON assertions cannot be checked");
      }
      const auto parsed = parse_json_limited(x.body);
      if (!parsed.limit.empty())
        return fail(FailureKind::bad_content, "response JSON " + parsed.limit);
      const auto& doc = parsed.value;
      if (doc.is_discarded()) return fail(FailureKind::bad_content, "body is not valid JSON");
      for (const auto& a : s_.json_assert) {
        if (auto problem = a.check(doc)) return fail(FailureKind::bad_content, *problem);
      }
    }
    if (s_.max_duration) {
      curl_off_t total = 0;
      curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
      if (double(total) / 1000.0 > double(s_.max_duration->count())) {
        return fail(FailureKind::timeout, "took " + std::to_string(total / 1000) +
                                              "ms, more than max_duration " +
                                              format_duration(*s_.max_duration));
      }
    }
    result.reason = "HTTP " + std::to_string(status) +
                    (redirects > 0 ? " after " + std::to_string(redirects) + " redirect(s)" : "");
    result.evidence = std::move(evidence);
    return result;
  }

  static void ctx_log(Exchange& x, std::string line) { x.log->add(std::move(line)); }

  HttpSettings s_;
};

}  // namespace

// blackbox_exporter's http prober names its measurements and phases so (DNS is "resolve"), and
// dashboards built for it work unchanged.
CAMPUS_REGISTER_PROBE(
    "http", probe_from_settings<HttpProbe>(parse_http_settings),
    .measurements =
        {{"http_status_code", "HTTP status code of the last response", "probe_http_status_code"},
         {"http_content_length_bytes", "Body bytes received in the last run",
          "probe_http_content_length"},
         {"http_redirects", "Redirects followed in the last run", "probe_http_redirects"},
         {"http_tls_version", "TLS version of the last HTTPS run (1.2 = 12, 1.3 = 13)",
          "probe_tls_version_info"},
         {"tls_cert_not_after_timestamp_seconds",
          "Expiry (notAfter) of the peer's leaf certificate", "probe_ssl_earliest_cert_expiry"}},
    .blackbox_phase_metric = "probe_http_duration_seconds",
    .blackbox_phase_names = {{"dns", "resolve"}}, .uses_session = true);

}  // namespace campus
