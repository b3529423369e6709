#include "common/url.h"

#include <memory>
#include <new>

#include <curl/curl.h>

#include "common/transforms.h"

namespace campus {

std::string resolve_url(std::string_view base, std::string_view reference) {
  if (reference.empty() || reference == "#") return std::string(base.substr(0, base.find('#')));
  CURLU* url = curl_url();
  if (!url) throw std::bad_alloc();
  std::string out(reference);
  const std::string base_text(base);
  const std::string reference_text(reference);
  if (curl_url_set(url, CURLUPART_URL, base_text.c_str(), 0) == CURLUE_OK &&
      curl_url_set(url, CURLUPART_URL, reference_text.c_str(), 0) == CURLUE_OK) {
    char* resolved = nullptr;
    if (curl_url_get(url, CURLUPART_URL, &resolved, 0) == CURLUE_OK) {
      out = resolved;
      curl_free(resolved);
    }
  }
  curl_url_cleanup(url);
  return out;
}

std::optional<std::string> query_parameter(std::string_view url, std::string_view name) {
  const auto question = url.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (url_decode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string with_query_parameter(std::string_view url, std::string_view name,
                                 std::string_view value) {
  const auto hash = url.find('#');
  std::string out(url.substr(0, hash));
  out += out.find('?') == std::string::npos ? '?' : '&';
  out += url_encode(name);
  out += '=';
  out += url_encode(value);
  if (hash != std::string_view::npos) out += url.substr(hash);
  return out;
}

}  // namespace campus
