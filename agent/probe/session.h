#pragma once
// A shared login as a probe sees it. A session (`sessions:` in the config) is one login of a
// test account that many checks start from: the login probe hands over its cookie jar and token
// (SessionCapture); each check of the session starts with a copy (SessionGrant) and says when
// the system sent it back to log in (ProbeContext::session_rejected), so that the agent logs in
// again, once, and retries the check.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campus {

/// What a login leaves behind. Every value is a credential: never logged, never evidence.
struct SessionCapture {
  /// Cookies in the Netscape cookie-file format, one per line, as libcurl's CURLINFO_COOKIELIST
  /// gives them and CURLOPT_COOKIELIST takes them.
  std::vector<std::string> cookies;
  /// An OAuth access token, sent as `Authorization: Bearer` by the session's checks.
  std::optional<std::string> bearer;
  /// Where a logged-out user is sent (the CAS server's /login, the portal): a check that lands
  /// on a URL starting with one of these has lost the session.
  std::vector<std::string> login_urls;
};

/// One login of a session, handed to the checks that run with it. Immutable.
struct SessionGrant {
  std::string name;
  std::uint64_t login = 0;  ///< which login of this session (1 for the first since start)
  std::chrono::system_clock::time_point logged_in_at;
  SessionCapture capture;

  /// Whether `url` is one of the session's login pages (a prefix match).
  bool is_login_url(std::string_view url) const {
    for (const auto& prefix : capture.login_urls) {
      if (!prefix.empty() && url.substr(0, prefix.size()) == prefix) return true;
    }
    return false;
  }
};

}  // namespace campus
