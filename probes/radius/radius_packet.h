#pragma once
// RADIUS packets as RFC 2865 (Access-Request, User-Password hiding, authenticators), RFC 3579
// (Message-Authenticator, HMAC-MD5) and RFC 5997 (Status-Server) define them. Encoding and the
// checks of an answer live here, apart from the network, so they are tested and fuzzed alone.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campus::radius {

enum Code : std::uint8_t {
  access_request = 1,
  access_accept = 2,
  access_reject = 3,
  access_challenge = 11,
  status_server = 12,
};

enum Attribute : std::uint8_t {
  user_name = 1,
  user_password = 2,
  nas_ip_address = 4,
  reply_message = 18,
  nas_identifier = 32,
  message_authenticator = 80,
};

using Authenticator = std::array<std::uint8_t, 16>;

struct Avp {
  std::uint8_t type = 0;
  std::string value;
};

struct Packet {
  std::uint8_t code = 0;
  std::uint8_t id = 0;
  Authenticator authenticator{};
  std::vector<Avp> attributes;
};

/// The readable name of a response code ("Access-Accept") or attribute type ("Reply-Message");
/// "Attribute-N" for types outside the common dictionary.
std::string code_name(std::uint8_t code);
std::string attribute_name(std::uint8_t type);

/// RFC 2865 §5.2: the password padded to 16-byte blocks and XORed with the MD5 chain of the
/// shared secret and the request authenticator. Passwords longer than 128 bytes are refused.
std::optional<std::string> hide_password(std::string_view password, std::string_view secret,
                                         const Authenticator& request_authenticator);

/// The wire form of a request. A Message-Authenticator attribute is added first and computed
/// (RFC 3579 §3.2; first, as the BlastRADIUS advisory recommends).
std::string encode_request(const Packet& request, std::string_view secret);

/// Parses a datagram; nullopt with `error` when it is not a well-formed RADIUS packet (length
/// field, attribute lengths).
std::optional<Packet> decode(std::string_view datagram, std::string& error);

/// Checks an answer to `request_authenticator` (RFC 2865 §3 response authenticator, RFC 3579
/// Message-Authenticator). Returns nullopt when it verifies, else the reason.
std::optional<std::string> verify_response(std::string_view datagram,
                                           const Authenticator& request_authenticator,
                                           std::string_view secret,
                                           bool require_message_authenticator);

}  // namespace campus::radius
