#pragma once
// A browser-like HTTP session for one probe run: one libcurl handle whose in-memory cookie jar
// and connections live exactly as long as the run, requests driven by the agent's CurlDriver,
// and a step log that never shows a credential. Used by the scenario, cas, oidc and feed probes.
// A check of a shared session (ProbeContext::session) starts with the session's cookie jar and
// bearer token, and a response that shows the session was not accepted is reported.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <curl/curl.h>

#include "common/curl_result.h"
#include "common/settings.h"
#include "core/body_budget.h"
#include "core/yaml_reader.h"
#include "net/curl_handles.h"
#include "probe/probe.h"

namespace campus {

/// Transport settings shared by every request of a session; read from a check's params.
struct WebOptions {
  TlsSettings tls;  ///< verify and ca_file
  /// curl's --resolve entries, "host:port:address": reach a named virtual host on a given
  /// address without DNS (split-horizon campus names, or a test server on 127.0.0.1).
  std::vector<std::string> resolve;
  std::size_t max_body_bytes = 1 << 20;

  /// Reads `tls: {verify, ca_file}`, `resolve: [...]` and `max_body_bytes` when present.
  void read(YamlMapReader& params);
};

struct WebRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;  ///< sent as is; set a Content-Type header with it
  bool follow_redirects = false;
  /// false: a back-channel call, as the protected service makes it (validating a CAS ticket,
  /// redeeming an OAuth code): sent without the browser's cookies, on its own connection.
  bool browser = true;
  /// HTTP Basic credentials (e.g. an OAuth client); the password never reaches the log.
  std::optional<std::pair<std::string, std::string>> basic_auth;
  /// HTTP Digest credentials (RFC 7616; cameras, door controllers), answered to the server's
  /// 401 challenge; the password never reaches the log. Not together with basic_auth.
  std::optional<std::pair<std::string, std::string>> digest_auth;
};

struct WebResponse {
  CURLcode code = CURLE_OK;
  std::string error;  ///< readable reason when code != CURLE_OK
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower case
  /// The body's share of the process-wide body budget, held as long as the body lives (so a
  /// response is move-only). Declared first: freed after the body.
  BodyReservation body_reservation;
  std::string body;
  bool truncated = false;
  /// The transfer stopped because runs in flight hold the whole budget: `error` says so and
  /// failure_kind_of(response) is `internal`.
  bool budget_exhausted = false;
  /// No socket could be opened: the agent is out of file descriptors; `error` says so and
  /// failure_kind_of(response) is `internal`.
  bool out_of_descriptors = false;
  std::string url;           ///< where the response came from (after redirects)
  std::string redirect_url;  ///< the Location of a redirect that was not followed, resolved
  std::chrono::duration<double> elapsed{0};

  bool ok() const { return code == CURLE_OK; }
  std::optional<std::string_view> header(std::string_view lower_case_name) const;
};

/// The failure kind of a response that is not ok(): from curl's code, or `internal` when the
/// agent's own body budget stopped it.
FailureKind failure_kind_of(const WebResponse& response);

class WebSession {
 public:
  WebSession(ProbeContext& ctx, const WebOptions& options);

  /// Sends one request. Transport failures are reported in the response, not thrown.
  boost::asio::awaitable<WebResponse> send(const WebRequest& request);

  /// Hands the browser's cookie jar to a session's login (ProbeContext::capture).
  void capture(SessionCapture& into) const;
  /// The value of cookie `name` in the jar, if set.
  std::optional<std::string> cookie(std::string_view name) const;
  /// Never show `value` in this run's log (a token, a ticket, an encrypted password).
  void hide(std::string value);
  /// `text` with every hidden value replaced by [redacted].
  std::string redact(std::string_view text) const;
  /// Adds a line to the run's step log, redacted.
  void log(std::string_view line);

  /// Form encoding of `fields` (application/x-www-form-urlencoded).
  static std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

 private:
  ProbeContext& ctx_;
  const WebOptions& options_;
  CurlEasy easy_ = make_curl_easy();         // the browser, with its cookie jar
  CurlEasy backchannel_ = make_curl_easy();  // the service's own calls, no cookies
  std::vector<std::string> hidden_;
};

}  // namespace campus
