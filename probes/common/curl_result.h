#pragma once
// What curl's answers mean for a probe: failure kinds, readable reasons, timing phases and the
// peer certificate, shared by every curl-based probe.

#include <optional>
#include <string>

#include <curl/curl.h>

#include "probe/result.h"

namespace campus {

/// The failure kind of a curl error code.
FailureKind failure_kind_of(CURLcode code);

/// A reason a campus IT engineer reads: what failed, in words, then curl's own detail.
std::string describe_curl_error(CURLcode code, const char* error_buffer);

/// describe_curl_error(), but a timeout says which phase the transfer was in when it ran out of
/// time, and how long the phases it finished took, from curl's timers at that moment: "timeout
/// after 4.5s while waiting for the first byte (connected in 3ms, TLS 12ms)". Call it right
/// after the transfer ended, before the handle is reused.
std::string describe_curl_failure(CURL* easy, CURLcode code, const char* error_buffer);

/// Adds dns, connect, tls, processing and transfer phases from curl's timers.
void add_curl_phases(CURL* easy, ProbeResult& result);

/// The peer's leaf certificate as seen on the live connection (call during the transfer, e.g. in
/// the header callback): not-after as Unix time, and the negotiated TLS version.
struct PeerTls {
  std::optional<double> not_after;
  std::string version;  ///< e.g. "TLSv1.3"
};
std::optional<PeerTls> peer_tls(CURL* easy);

}  // namespace campus
