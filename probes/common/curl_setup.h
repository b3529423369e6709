#pragma once
// The libcurl easy-handle options every curl-based probe sets alike: no signals, curl's error
// text, the run's deadline, the user agent, the transfer callbacks and the TLS settings.

#include <curl/curl.h>

#include "common/settings.h"
#include "probe/probe.h"

namespace campus {

struct CurlSetup {
  /// CURL_ERROR_SIZE bytes for curl's own account of a failure; nullptr: none.
  char* error_buffer = nullptr;
  /// Body and header callbacks, both given `callback_data`; nullptr: curl's defaults.
  curl_write_callback on_body = nullptr;
  curl_write_callback on_header = nullptr;
  void* callback_data = nullptr;
  /// A new connection for this transfer, closed after it, as a user's first visit would make.
  bool fresh_connection = false;
  /// Peer verification, trust, client certificate and minimum version; nullptr: curl's defaults.
  const TlsSettings* tls = nullptr;
  /// Set to the errno of a socket curl could not open (EMFILE when the agent is out of file
  /// descriptors), 0 otherwise; curl itself only says it could not connect. nullptr: not kept.
  int* socket_errno = nullptr;
};

/// Applies `setup` to `easy` for a transfer of the run `ctx`: curl's own timeout ends a little
/// before the run's deadline (a tenth of the remaining time, at most 500ms), so that a timeout
/// is reported by the probe, with the phase it hit (describe_curl_failure()), rather than by
/// the runner's deadline. Allocates nothing.
void apply_curl_setup(CURL* easy, const ProbeContext& ctx, const CurlSetup& setup);

/// The CURLOPT_TIMEOUT_MS that apply_curl_setup() sets, for a later request on the same handle.
long curl_timeout_ms(const ProbeContext& ctx);

}  // namespace campus
