#include "common/curl_setup.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <sys/socket.h>

namespace campus {
namespace {

long curl_ssl_version(TlsVersion v) {
  switch (v) {
    case TlsVersion::v1_3:
      return CURL_SSLVERSION_TLSv1_3;
    case TlsVersion::v1_2:
      return CURL_SSLVERSION_TLSv1_2;
    case TlsVersion::v1_1:
      return CURL_SSLVERSION_TLSv1_1;
    case TlsVersion::v1_0:
      break;
  }
  return CURL_SSLVERSION_TLSv1_0;
}

// curl's own socket(2), keeping its errno where CurlSetup::socket_errno says. Close-on-exec, so
// that programs the exec plugin starts do not inherit probe connections.
curl_socket_t open_socket_keeping_errno(void* socket_errno, curlsocktype, curl_sockaddr* address) {
  const curl_socket_t fd =
      ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd == CURL_SOCKET_BAD) *static_cast<int*>(socket_errno) = errno;
  return fd;
}

}  // namespace

long curl_timeout_ms(const ProbeContext& ctx) {
  // curl gives up a little before the run's deadline, so that the probe reports where the
  // transfer was (connecting, the TLS handshake, waiting for the first byte, receiving) while the
  // run is still going; at the deadline the runner cancels the transfer and can only say that
  // time ran out. The margin never brings curl's limit to 0, which would mean none at all.
  const auto remaining = ctx.remaining();
  const auto margin = std::min(std::chrono::milliseconds(500), remaining / 10);
  return std::max(1L, long((remaining - margin).count()));
}

void apply_curl_setup(CURL* e, const ProbeContext& ctx, const CurlSetup& setup) {
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  if (setup.error_buffer) curl_easy_setopt(e, CURLOPT_ERRORBUFFER, setup.error_buffer);
  if (setup.fresh_connection) {
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  }
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, curl_timeout_ms(ctx));
  if (setup.on_body) {
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, setup.on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, setup.callback_data);
  }
  if (setup.on_header) {
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, setup.on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, setup.callback_data);
  }
  curl_easy_setopt(e, CURLOPT_USERAGENT, "campus-probe");
  if (setup.socket_errno) {
    *setup.socket_errno = 0;
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &open_socket_keeping_errno);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, static_cast<void*>(setup.socket_errno));
  }
  if (const TlsSettings* tls = setup.tls) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, tls->verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, tls->verify ? 2L : 0L);
    if (tls->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, tls->ca_file->c_str());
    if (tls->cert_file) curl_easy_setopt(e, CURLOPT_SSLCERT, tls->cert_file->c_str());
    if (tls->key_file) curl_easy_setopt(e, CURLOPT_SSLKEY, tls->key_file->c_str());
    if (tls->min_version)
      curl_easy_setopt(e, CURLOPT_SSLVERSION, curl_ssl_version(*tls->min_version));
  }
}

}  // namespace campus
