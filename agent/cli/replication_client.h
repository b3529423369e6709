#pragma once
// The HTTP(S) client of `evidence pull`: GETs from an agent's listener over one kept-alive libcurl
// connection, with the listener's TLS and authentication (bearer token, or Basic; a client
// certificate). Credentials are held as Secrets and never appear in its messages.

#include <optional>
#include <string>

#include "core/secrets.h"
#include "net/curl_handles.h"

namespace campus {

struct ReplicationAuth {
  std::optional<Secret> bearer_token;
  std::string basic_user;
  std::optional<Secret> basic_password;
  std::string cacert;       ///< CA certificate(s) to verify the agent's certificate, PEM
  std::string client_cert;  ///< a client certificate, PEM
  std::string client_key;   ///< ... and its private key, PEM
};

class ReplicationClient {
 public:
  /// `base` is the agent's URL (http:// or https://, no credentials in it), e.g.
  /// https://probe-dorm.example.edu.cn:9877.
  ReplicationClient(std::string base, ReplicationAuth auth);

  struct Reply {
    long status = 0;  ///< 0 when no answer came
    std::string body;
    std::string error;  ///< why no answer came (libcurl's words), or the status line's
  };
  /// GET base + `path_and_query`.
  Reply get(const std::string& path_and_query);

  const std::string& base() const { return base_; }

 private:
  std::string base_;
  ReplicationAuth auth_;
  CurlGlobal global_;
  CurlEasy easy_;
};

/// The host of an http(s) URL ("" when it has none): the default name of a site's copy.
std::string url_host(const std::string& url);
/// Why `url` cannot be an agent's base URL, or "" when it can: http or https only, and no
/// user:password in it (credentials come from files).
std::string url_problem(const std::string& url);

}  // namespace campus
