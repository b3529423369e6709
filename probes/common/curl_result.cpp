#include "common/curl_result.h"

#include <ctime>

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace campus {

FailureKind failure_kind_of(CURLcode code) {
  switch (code) {
    case CURLE_OK:
      return FailureKind::none;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return FailureKind::resolve;
    case CURLE_COULDNT_CONNECT:
      return FailureKind::connect;
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_ABORTED_BY_CALLBACK:
      return FailureKind::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
      return FailureKind::tls;
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR:
      return FailureKind::auth_rejected;
    case CURLE_TOO_MANY_REDIRECTS:
      return FailureKind::bad_status;
    default:
      return FailureKind::protocol_error;
  }
}

std::string describe_curl_error(CURLcode code, const char* error_buffer) {
  // libcurl reports a header line over its 100 KiB limit as running out of memory, with no
  // detail: say what it almost always is.
  if (code == CURLE_OUT_OF_MEMORY && (!error_buffer || !*error_buffer)) {
    return "response header too large (a header line over libcurl's 100 KiB limit)";
  }
  std::string what;
  switch (failure_kind_of(code)) {
    case FailureKind::resolve:
      what = "cannot resolve the host name";
      break;
    case FailureKind::connect:
      what = "cannot connect";
      break;
    case FailureKind::timeout:
      what = "timed out";
      break;
    case FailureKind::tls:
      what = "TLS failed";
      break;
    case FailureKind::auth_rejected:
      what = "authentication rejected";
      break;
    case FailureKind::bad_status:
      what = "too many redirects";
      break;
    default:
      what = code == CURLE_GOT_NOTHING  ? "the server closed the connection without answering"
             : code == CURLE_RECV_ERROR ? "the connection broke while receiving"
             : code == CURLE_SEND_ERROR ? "the connection broke while sending"
             : code == CURLE_WEIRD_SERVER_REPLY ? "the server's answer is not valid HTTP"
             : code == CURLE_PARTIAL_FILE       ? "the response ended early"
                                                : "transfer failed";
  }
  const std::string detail =
      error_buffer && *error_buffer ? std::string(error_buffer) : curl_easy_strerror(code);
  return what + ": " + detail;
}

void add_curl_phases(CURL* easy, ProbeResult& result) {
  curl_off_t lookup = 0, connect = 0, app = 0, start = 0, total = 0;
  curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &lookup);
  curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect);
  curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &app);
  curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &start);
  curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total);
  const auto seconds = [](curl_off_t us) { return double(us) / 1e6; };
  result.phase("dns", seconds(lookup));
  if (connect > 0) result.phase("connect", seconds(connect - lookup));
  if (app > 0) result.phase("tls", seconds(app - connect));
  const curl_off_t ready = app > 0 ? app : connect;
  if (start > 0) {
    result.phase("processing", seconds(start - ready));
    result.phase("transfer", seconds(total - start));
  }
}

std::optional<PeerTls> peer_tls(CURL* easy) {
  curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || !info ||
      info->backend != CURLSSLBACKEND_OPENSSL || !info->internals) {
    return std::nullopt;
  }
  SSL* ssl = static_cast<SSL*>(info->internals);
  PeerTls out;
  out.version = SSL_get_version(ssl);
  if (X509* cert = SSL_get0_peer_certificate(ssl)) {
    std::tm tm{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) out.not_after = double(timegm(&tm));
  }
  return out;
}

}  // namespace campus
