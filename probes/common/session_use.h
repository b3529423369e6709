#pragma once
// How an HTTP-speaking probe takes part in a shared login (`sessions:`): a check starts its
// libcurl cookie jar from the session's and sends its bearer token; a response that shows the
// session was not accepted (401/403, or the login page) is reported so that the agent logs in
// again; a login probe hands its jar over once it has logged in.

#include <string>
#include <string_view>

#include <curl/curl.h>

#include "probe/probe.h"

namespace campus {

/// Starts `easy`'s cookie jar (enabling libcurl's cookie engine) from ctx.session, if any.
void load_session_cookies(CURL* easy, const ProbeContext& ctx);

/// The `Authorization: Bearer` header line for ctx.session's token, or empty when there is none.
std::string session_bearer_header(const ProbeContext& ctx);

/// Looks at one response of a check of a session (after any redirects were followed): a 401 or
/// 403, or a page served from one of the session's login URLs, means the session was not
/// accepted; ctx.session_rejected says why. Returns whether it was.
bool note_session_response(ProbeContext& ctx, long status, std::string_view final_url);

/// Copies `easy`'s cookie jar into `capture` (Netscape cookie-file lines).
void capture_session_cookies(CURL* easy, SessionCapture& capture);

/// The values of the cookies in `capture`, to hide from a log.
std::vector<std::string> session_cookie_values(const SessionCapture& capture);

}  // namespace campus
