#include "common/curl_result.h"

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <string_view>
#include <sys/resource.h>
#include <vector>

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

bool out_of_descriptors(CURLcode code, int socket_errno) {
  return code == CURLE_COULDNT_CONNECT && (socket_errno == EMFILE || socket_errno == ENFILE);
}

std::string out_of_descriptors_reason(int socket_errno) {
  if (socket_errno == ENFILE) return "out of file descriptors (the system's file table is full)";
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return "out of file descriptors (the process's open files limit)";
  }
  return "out of file descriptors (open files limit " + std::to_string(limit.rlim_cur) + ")";
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

namespace {

// A time from curl's microsecond timers as a person reads it: "950ms", "4.5s", "12s".
std::string readable_time(curl_off_t us) {
  const curl_off_t ms = us / 1000;
  if (ms < 1000) return std::to_string(ms) + "ms";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", double(ms) / 1000.0);
  std::string out = text;
  if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) out.resize(out.size() - 2);
  return out + "s";
}

// Whether the transfer's protocol starts with a TLS handshake once connected.
bool tls_scheme(CURL* easy) {
  char* scheme = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_SCHEME, &scheme) != CURLE_OK || !scheme) return false;
  std::string lowered(scheme);
  for (auto& c : lowered)
    c = char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (std::string_view s : {"https", "wss", "ftps", "imaps", "pop3s", "smtps", "ldaps", "rtsps"}) {
    if (lowered == s) return true;
  }
  return false;
}

// Where a transfer that ran out of time was, from what curl had recorded by then: each timer
// counts from the start of the transfer and stays 0 until its phase ends. A TLS connection's
// connect time is only set once the handshake is done too; its local port is set as soon as
// the TCP connection stands.
std::string timeout_phase(CURL* easy) {
  curl_off_t lookup = 0, connect = 0, app = 0, start = 0, received = 0;
  long local_port = 0, redirects = 0;
  curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &lookup);
  curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect);
  curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &app);
  curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &start);
  curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &received);
  curl_easy_getinfo(easy, CURLINFO_LOCAL_PORT, &local_port);
  curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
  std::vector<std::string> done;
  std::string where;
  if (connect == 0 && local_port == 0) {
    // An address needs no lookup, but curl still stamps an instant one.
    where = lookup == 0 ? "while resolving the host name" : "while connecting";
    if (lookup >= 1000) done.push_back("resolved in " + readable_time(lookup));
  } else if (app == 0 && tls_scheme(easy)) {
    where = "during the TLS handshake";
    if (connect > 0) done.push_back("connected in " + readable_time(connect));
  } else {
    done.push_back("connected in " + readable_time(connect));
    if (app > 0) done.push_back("TLS " + readable_time(app - connect));
    if (start == 0) {
      where = "while waiting for the first byte";
    } else {
      where = "while receiving the response";
      done.push_back("first byte after " + readable_time(start));
      if (received > 0) done.push_back(std::to_string(received) + " body bytes received");
    }
  }
  if (redirects > 0) done.push_back("after " + std::to_string(redirects) + " redirect(s)");
  std::string out = where;
  for (std::size_t i = 0; i < done.size(); ++i)
    out += (i == 0 ? " (" : ", ") + done[i];
  return done.empty() ? out : out + ")";
}

}  // namespace

std::string describe_curl_failure(CURL* easy, CURLcode code, const char* error_buffer) {
  if (code != CURLE_OPERATION_TIMEDOUT && code != CURLE_ABORTED_BY_CALLBACK) {
    return describe_curl_error(code, error_buffer);
  }
  curl_off_t total = 0;
  curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total);
  // An abort is the run's deadline cancelling the transfer (the curl driver's cancel()).
  const std::string what =
      code == CURLE_OPERATION_TIMEDOUT ? "timeout after " : "cancelled at the deadline after ";
  return what + readable_time(total) + " " + timeout_phase(easy);
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
