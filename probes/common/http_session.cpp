#include "common/http_session.h"

#include <algorithm>

#include <boost/asio/use_awaitable.hpp>

#include "common/curl_result.h"
#include "common/curl_setup.h"
#include "common/session_use.h"
#include "common/transforms.h"
#include "common/url.h"
#include "core/redactor.h"
#include "core/strings.h"
#include "net/curl_driver.h"

namespace campus {
namespace {

// What one transfer collects; lives in the coroutine frame of send().
struct Transfer {
  WebSession* session = nullptr;
  WebResponse* response = nullptr;
  std::size_t max_body = 0;

  static size_t on_body(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<Transfer*>(self_ptr);
    const size_t n = size * count;
    WebResponse& r = *self->response;
    const size_t room = self->max_body - r.body.size();
    // Within the process-wide budget too: stop the transfer when runs in flight hold it all.
    if (!append_body(r.body, std::string_view(data, std::min(n, room)), self->max_body,
                     r.body_reservation)) {
      r.budget_exhausted = true;
      return 0;
    }
    if (n > room) {
      r.truncated = true;
      return 0;
    }
    return n;
  }

  static size_t on_header(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<Transfer*>(self_ptr);
    const size_t n = size * count;
    const std::string_view line = trim_view(std::string_view(data, n));
    if (line.rfind("HTTP/", 0) == 0) {
      self->response->headers.clear();  // a new response after a redirect or 100 Continue
      self->session->log(std::string("< ") + std::string(line));
      return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    const std::string_view name = trim_view(line.substr(0, colon));
    const std::string_view value = trim_view(line.substr(colon + 1));
    self->session->log("< " + std::string(name) + ": " +
                       std::string(Redactor::is_sensitive_name(name) ? kRedacted : value));
    self->response->headers.emplace_back(lower(name), std::string(value));
    return n;
  }
};

}  // namespace

void WebOptions::read(YamlMapReader& params) {
  if (auto v = params.get("tls")) read_tls_block(*v, tls, {TlsKey::verify, TlsKey::ca_file});
  if (auto v = params.get("resolve")) resolve = read_resolve_list(*v);
  if (auto v = params.get("max_body_bytes")) {
    max_body_bytes = std::size_t(v->integer(1, std::int64_t(1) << 30).value_or(1 << 20));
  }
}

FailureKind failure_kind_of(const WebResponse& response) {
  if ((response.budget_exhausted || response.out_of_descriptors) && !response.ok()) {
    return FailureKind::internal;
  }
  return failure_kind_of(response.code);
}

std::optional<std::string_view> WebResponse::header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return value;
  }
  return std::nullopt;
}

WebSession::WebSession(ProbeContext& ctx, const WebOptions& options)
    : ctx_(ctx), options_(options) {
  // A check of a shared session starts logged in: with a copy of the session's cookie jar.
  if (ctx.session) {
    load_session_cookies(easy_.get(), ctx);
    for (auto& value : session_cookie_values(ctx.session->capture))
      hide(std::move(value));
  }
}

void WebSession::capture(SessionCapture& into) const {
  capture_session_cookies(easy_.get(), into);
}

void WebSession::hide(std::string value) {
  // Very short values would blank out ordinary words of the log; nothing that short is a real
  // credential in a login flow.
  if (value.size() < 4) return;
  if (std::find(hidden_.begin(), hidden_.end(), value) != hidden_.end()) return;
  hidden_.push_back(std::move(value));
  std::sort(hidden_.begin(), hidden_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string WebSession::redact(std::string_view text) const {
  // Each value as it was sent and percent-encoded, as it appears in a URL or a form; the cut
  // tail of an excerpt goes too (redact_values()).
  std::vector<std::string> forms;
  forms.reserve(hidden_.size() * 2);
  for (const auto& secret : hidden_) {
    forms.push_back(secret);
    if (std::string encoded = url_encode(secret); encoded != secret) {
      forms.push_back(std::move(encoded));
    }
  }
  std::stable_sort(forms.begin(), forms.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return redact_values(text, forms);
}

void WebSession::log(std::string_view line) {
  ctx_.log.add(redact(line));
}

std::string WebSession::form_encode(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += url_encode(name);
    out += '=';
    out += url_encode(value);
  }
  return out;
}

std::optional<std::string> WebSession::cookie(std::string_view name) const {
  curl_slist* cookies = nullptr;
  curl_easy_getinfo(easy_.get(), CURLINFO_COOKIELIST, &cookies);
  std::optional<std::string> found;
  // Netscape format: domain, tailmatch, path, secure, expires, name, value (tab separated).
  for (curl_slist* c = cookies; c; c = c->next) {
    std::string_view line(c->data);
    std::vector<std::string_view> fields;
    while (true) {
      const auto tab = line.find('\t');
      fields.push_back(line.substr(0, tab));
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
    }
    if (fields.size() >= 7 && fields[5] == name) found = std::string(fields[6]);
  }
  curl_slist_free_all(cookies);
  return found;
}

boost::asio::awaitable<WebResponse> WebSession::send(const WebRequest& request) {
  WebResponse response;
  Transfer transfer{this, &response, options_.max_body_bytes};
  char error[CURL_ERROR_SIZE] = {0};
  int socket_errno = 0;
  CurlList headers;
  CurlList resolve;
  CURL* e = request.browser ? easy_.get() : backchannel_.get();
  // Reset clears the previous request's options but keeps the cookie jar and connections, as
  // a browser tab would.
  curl_easy_reset(e);
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  // Connections stay open for the session's next requests, as a browser's would.
  apply_curl_setup(e, ctx_,
                   {.error_buffer = error,
                    .on_body = &Transfer::on_body,
                    .on_header = &Transfer::on_header,
                    .callback_data = &transfer,
                    .tls = &options_.tls,
                    .socket_errno = &socket_errno});
  if (request.browser) {
    curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");  // in-memory jar, nothing read or written
  }
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
  for (const auto& entry : options_.resolve)
    resolve.append(entry);
  if (resolve.get()) curl_easy_setopt(e, CURLOPT_RESOLVE, resolve.get());
  if (request.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST" && request.body) {
    // Plain POST, so that a 302/303 answer is followed with GET as browsers do.
  } else if (request.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body->c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, long(request.body->size()));
  }
  bool has_authorization = false;
  for (const auto& [name, value] : request.headers) {
    headers.append(name + ": " + value);
    has_authorization = has_authorization || iequals(name, "authorization");
  }
  const std::string bearer =
      request.browser && !has_authorization && !request.basic_auth && !request.digest_auth
          ? session_bearer_header(ctx_)
          : std::string();
  if (!bearer.empty()) headers.append(bearer);
  if (headers.get()) curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  // What goes on the wire is as good as the password or token: a target that echoes the
  // request must not get it into the log or the evidence.
  if (!bearer.empty()) hide(*ctx_.session->capture.bearer);
  if (request.basic_auth) {
    hide(request.basic_auth->second);
    for (auto& form : basic_credential_forms(request.basic_auth->first, request.basic_auth->second))
      hide(std::move(form));
  }
  if (const auto& account = request.basic_auth ? request.basic_auth : request.digest_auth) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, request.basic_auth ? CURLAUTH_BASIC : CURLAUTH_DIGEST);
    curl_easy_setopt(e, CURLOPT_USERNAME, account->first.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, account->second.c_str());
  }

  log("> " + request.method + " " + request.url);
  for (const auto& [name, value] : request.headers) {
    log("> " + name + ": " + std::string(Redactor::is_sensitive_name(name) ? kRedacted : value));
  }
  if (!bearer.empty()) log("> Authorization: Bearer [redacted]");
  if (request.basic_auth) log("> Authorization: Basic [redacted]");
  if (request.digest_auth && !request.basic_auth) log("> Authorization: Digest [redacted]");
  if (request.body) log("> body: " + request.body->substr(0, 512));

  const auto started = std::chrono::steady_clock::now();
  const CURLcode rc = co_await ctx_.curl.async_perform(e, ctx_.cancel, boost::asio::use_awaitable);
  response.elapsed = std::chrono::steady_clock::now() - started;
  response.code = rc == CURLE_WRITE_ERROR && response.truncated ? CURLE_OK : rc;
  if (response.code == CURLE_WRITE_ERROR && response.budget_exhausted) {
    response.error = response.body_reservation.budget().exhausted_reason();
    log(response.error);
  } else if (out_of_descriptors(response.code, socket_errno)) {
    response.out_of_descriptors = true;
    response.error = out_of_descriptors_reason(socket_errno);
    log(response.error);
  } else if (response.code != CURLE_OK) {
    response.error = describe_curl_failure(e, rc, error);
    log("curl: " + describe_curl_error(rc, error));
  }
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &response.status);
  char* effective = nullptr;
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &effective);
  response.url = effective ? effective : request.url;
  char* redirect = nullptr;
  curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &redirect);
  if (redirect) response.redirect_url = redirect;
  if (response.truncated) {
    log("body truncated at " + std::to_string(options_.max_body_bytes) + " bytes");
  }
  if (request.browser && response.ok()) note_session_response(ctx_, response.status, response.url);
  co_return response;
}

}  // namespace campus
