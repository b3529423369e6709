#pragma once
// "host:port" targets, with [v6]:port.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace campus {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string str() const;
};

/// Parses host:port (port 1-65535); nullopt if malformed.
std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace campus
