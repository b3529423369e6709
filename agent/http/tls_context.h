#pragma once
// The listener's TLS server context from web.yml's tls_server_config: certificate chain and key
// (PEM), TLS 1.2 or later, and the client certificates it asks for and verifies.

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "config/web_config.h"

namespace campus {

/// Reads the certificate, key and client CA files now. Throws std::runtime_error naming the file
/// and OpenSSL's reason when one cannot be used (unreadable, not PEM, key not matching the
/// certificate). The context is immutable afterwards; connections share it.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const WebTls& tls);

}  // namespace campus
