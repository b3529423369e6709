#include "common/session_use.h"

#include <vector>

namespace campus {
namespace {

// Netscape cookie-file line: domain, tailmatch, path, secure, expires, name, value.
std::string_view cookie_value(std::string_view line) {
  for (int field = 0; field < 6; ++field) {
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos) return {};
    line.remove_prefix(tab + 1);
  }
  return line;
}

std::string without_query(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

}  // namespace

void load_session_cookies(CURL* easy, const ProbeContext& ctx) {
  if (!ctx.session) return;
  curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "");  // the in-memory jar, nothing read or written
  for (const auto& line : ctx.session->capture.cookies)
    curl_easy_setopt(easy, CURLOPT_COOKIELIST, line.c_str());
}

std::string session_bearer_header(const ProbeContext& ctx) {
  if (!ctx.session || !ctx.session->capture.bearer) return {};
  return "Authorization: Bearer " + *ctx.session->capture.bearer;
}

bool note_session_response(ProbeContext& ctx, long status, std::string_view final_url) {
  if (!ctx.session) return false;
  if (status == 401 || status == 403) {
    ctx.session_rejected = "HTTP " + std::to_string(status) + " from " + without_query(final_url);
  } else if (status >= 200 && status < 300 && ctx.session->is_login_url(final_url)) {
    ctx.session_rejected = "sent to the login page " + without_query(final_url);
  } else {
    return false;
  }
  ctx.log.add("session \"" + ctx.session->name + "\" not accepted: " + *ctx.session_rejected);
  return true;
}

void capture_session_cookies(CURL* easy, SessionCapture& capture) {
  curl_slist* cookies = nullptr;
  curl_easy_getinfo(easy, CURLINFO_COOKIELIST, &cookies);
  capture.cookies.clear();
  for (curl_slist* c = cookies; c; c = c->next)
    capture.cookies.emplace_back(c->data);
  curl_slist_free_all(cookies);
}

std::vector<std::string> session_cookie_values(const SessionCapture& capture) {
  std::vector<std::string> values;
  for (const auto& line : capture.cookies) {
    const auto value = cookie_value(line);
    if (!value.empty()) values.emplace_back(value);
  }
  if (capture.bearer) values.push_back(*capture.bearer);
  return values;
}

}  // namespace campus
