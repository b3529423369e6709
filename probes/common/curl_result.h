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

/// Whether a transfer that ended with `code` failed because the agent could not open a socket
/// for want of file descriptors (`socket_errno` from CurlSetup::socket_errno: EMFILE, ENFILE):
/// the agent's own limit, to be reported as `internal`, not as the target refusing connections.
bool out_of_descriptors(CURLcode code, int socket_errno);

/// The reason for such a run: "out of file descriptors (open files limit 1024)", or for ENFILE
/// "out of file descriptors (the system's file table is full)".
std::string out_of_descriptors_reason(int socket_errno);

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
