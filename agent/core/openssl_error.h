#pragma once
// OpenSSL reports failures through a per-thread error queue; this reads it for a message.

#include <string>

namespace campus {

/// The reason of the most recent error OpenSSL queued on this thread, or "unknown OpenSSL
/// error"; empties the queue so that the next call starts afresh.
std::string openssl_error();

}  // namespace campus
