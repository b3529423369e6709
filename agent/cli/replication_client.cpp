#include "cli/replication_client.h"

#include <curl/curl.h>

namespace campus {
namespace {

// Replies are bounded by the agent (a batch is at most 8 MiB); anything much larger is not an
// agent speaking.
constexpr std::size_t kMaxReplicationReplyBytes = 64u << 20;

std::size_t collect_replication_reply(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const std::size_t bytes = size * count;
  if (body->size() + bytes > kMaxReplicationReplyBytes) return 0;  // libcurl fails the transfer
  body->append(data, bytes);
  return bytes;
}

}  // namespace

std::string url_host(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  std::string authority = url.substr(scheme + 3, url.find_first_of("/?#", scheme + 3) - scheme - 3);
  if (const auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    return authority.substr(1, authority.find(']') - 1);
  }
  return authority.substr(0, authority.find(':'));
}

std::string url_problem(const std::string& url) {
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    return "the agent's URL must start with http:// or https://";
  const auto start = url.find("://") + 3;
  const std::string authority = url.substr(start, url.find_first_of("/?#", start) - start);
  if (authority.find('@') != std::string::npos) {
    return "the agent's URL must not carry credentials: use --bearer-token-file, or --basic-user "
           "with --password-file";
  }
  if (url_host(url).empty()) return "the agent's URL has no host";
  return "";
}

ReplicationClient::ReplicationClient(std::string base, ReplicationAuth auth)
    : base_(std::move(base)), auth_(std::move(auth)), easy_(make_curl_easy()) {
  while (!base_.empty() && base_.back() == '/')
    base_.pop_back();
}

ReplicationClient::Reply ReplicationClient::get(const std::string& path_and_query) {
  Reply reply;
  CURL* easy = easy_.get();
  // One handle for every request: the connection (and its TLS session) is kept alive.
  curl_easy_reset(easy);
  const std::string url = base_ + path_and_query;
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_replication_reply);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
  CurlList headers;
  headers.append("Accept: application/x-ndjson, application/json");
  if (auth_.bearer_token) headers.append("Authorization: Bearer " + auth_.bearer_token->value());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  if (!auth_.basic_user.empty()) {
    curl_easy_setopt(easy, CURLOPT_HTTPAUTH, long(CURLAUTH_BASIC));
    curl_easy_setopt(easy, CURLOPT_USERNAME, auth_.basic_user.c_str());
    if (auth_.basic_password)
      curl_easy_setopt(easy, CURLOPT_PASSWORD, auth_.basic_password->value().c_str());
  }
  if (!auth_.cacert.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, auth_.cacert.c_str());
  if (!auth_.client_cert.empty())
    curl_easy_setopt(easy, CURLOPT_SSLCERT, auth_.client_cert.c_str());
  if (!auth_.client_key.empty()) curl_easy_setopt(easy, CURLOPT_SSLKEY, auth_.client_key.c_str());
  const CURLcode code = curl_easy_perform(easy);
  if (code != CURLE_OK) {
    reply.error = error[0] ? error : curl_easy_strerror(code);
    reply.body.clear();
    return reply;
  }
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace campus
