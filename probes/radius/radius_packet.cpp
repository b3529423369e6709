#include "radius_packet.h"

#include <cstring>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace campus::radius {
namespace {

std::string md5(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out, &size, EVP_md5(), nullptr) != 1) {
    throw std::runtime_error("MD5 is not available from OpenSSL");
  }
  return std::string(reinterpret_cast<char*>(out), size);
}

std::string hmac_md5(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!HMAC(EVP_md5(), key.data(), int(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size)) {
    throw std::runtime_error("HMAC-MD5 is not available from OpenSSL");
  }
  return std::string(reinterpret_cast<char*>(out), size);
}

std::string_view as_view(const Authenticator& a) {
  return {reinterpret_cast<const char*>(a.data()), a.size()};
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::string code_name(std::uint8_t code) {
  switch (code) {
    case access_request:
      return "Access-Request";
    case access_accept:
      return "Access-Accept";
    case access_reject:
      return "Access-Reject";
    case 4:
      return "Accounting-Request";
    case 5:
      return "Accounting-Response";
    case access_challenge:
      return "Access-Challenge";
    case status_server:
      return "Status-Server";
    default:
      return "code " + std::to_string(code);
  }
}

std::string attribute_name(std::uint8_t type) {
  switch (type) {
    case 1:
      return "User-Name";
    case 2:
      return "User-Password";
    case 4:
      return "NAS-IP-Address";
    case 6:
      return "Service-Type";
    case 7:
      return "Framed-Protocol";
    case 8:
      return "Framed-IP-Address";
    case 11:
      return "Filter-Id";
    case 12:
      return "Framed-MTU";
    case 18:
      return "Reply-Message";
    case 24:
      return "State";
    case 25:
      return "Class";
    case 26:
      return "Vendor-Specific";
    case 27:
      return "Session-Timeout";
    case 28:
      return "Idle-Timeout";
    case 32:
      return "NAS-Identifier";
    case 64:
      return "Tunnel-Type";
    case 65:
      return "Tunnel-Medium-Type";
    case 79:
      return "EAP-Message";
    case 80:
      return "Message-Authenticator";
    case 81:
      return "Tunnel-Private-Group-Id";
    case 85:
      return "Acct-Interim-Interval";
    default:
      return "Attribute-" + std::to_string(type);
  }
}

std::optional<std::string> hide_password(std::string_view password, std::string_view secret,
                                         const Authenticator& request_authenticator) {
  if (password.size() > 128) return std::nullopt;
  std::string padded(password);
  padded.resize(std::max<std::size_t>(16, (padded.size() + 15) / 16 * 16), '\0');
  std::string out;
  std::string previous(as_view(request_authenticator));
  for (std::size_t block = 0; block < padded.size(); block += 16) {
    const std::string b = md5(std::string(secret) + previous);
    std::string c(16, '\0');
    for (std::size_t i = 0; i < 16; ++i)
      c[i] = char(padded[block + i] ^ b[i]);
    out += c;
    previous = c;
  }
  return out;
}

std::string encode_request(const Packet& request, std::string_view secret) {
  std::string body;
  // Message-Authenticator first, zeroed while the HMAC is computed.
  body += char(message_authenticator);
  body += char(18);
  body += std::string(16, '\0');
  for (const auto& avp : request.attributes) {
    if (avp.type == message_authenticator) continue;
    if (avp.value.size() > 253)
      throw std::invalid_argument("RADIUS attribute longer than 253 bytes");
    body += char(avp.type);
    body += char(avp.value.size() + 2);
    body += avp.value;
  }
  const std::size_t length = 20 + body.size();
  if (length > 4096) throw std::invalid_argument("RADIUS packet longer than 4096 bytes");
  std::string packet;
  packet += char(request.code);
  packet += char(request.id);
  packet += char(length >> 8);
  packet += char(length & 0xff);
  packet += as_view(request.authenticator);
  packet += body;
  const std::string mac = hmac_md5(secret, packet);
  packet.replace(20 + 2, 16, mac);
  return packet;
}

std::optional<Packet> decode(std::string_view datagram, std::string& error) {
  if (datagram.size() < 20) {
    error = "packet shorter than the 20-byte header";
    return std::nullopt;
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(datagram.data());
  const std::size_t length = std::size_t(bytes[2]) << 8 | bytes[3];
  if (length < 20 || length > 4096 || length > datagram.size()) {
    error = "length field " + std::to_string(length) + " does not fit the " +
            std::to_string(datagram.size()) + "-byte datagram";
    return std::nullopt;
  }
  Packet p;
  p.code = bytes[0];
  p.id = bytes[1];
  std::memcpy(p.authenticator.data(), bytes + 4, 16);
  for (std::size_t at = 20; at < length;) {
    if (at + 2 > length || bytes[at + 1] < 2 || at + bytes[at + 1] > length) {
      error = "attribute at byte " + std::to_string(at) + " runs past the packet";
      return std::nullopt;
    }
    p.attributes.push_back({bytes[at], std::string(datagram.substr(at + 2, bytes[at + 1] - 2))});
    at += bytes[at + 1];
  }
  return p;
}

std::optional<std::string> verify_response(std::string_view datagram,
                                           const Authenticator& request_authenticator,
                                           std::string_view secret,
                                           bool require_message_authenticator) {
  std::string error;
  const auto packet = decode(datagram, error);
  if (!packet) return "malformed response: " + error;
  const std::size_t length =
      datagram.size() >= 4
          ? (std::size_t(std::uint8_t(datagram[2])) << 8 | std::uint8_t(datagram[3]))
          : 0;
  const std::string_view wire = datagram.substr(0, length);
  // RFC 2865 §3: MD5(Code + ID + Length + RequestAuth + Attributes + Secret).
  std::string signed_part(wire);
  signed_part.replace(4, 16, as_view(request_authenticator));
  const std::string expected = md5(signed_part + std::string(secret));
  if (!constant_time_equal(expected, wire.substr(4, 16))) {
    return "the response authenticator does not verify (wrong shared secret, or a forged answer)";
  }
  // RFC 3579 §3.2: HMAC-MD5 over the packet with the request authenticator and the attribute
  // zeroed.
  std::size_t offset = 20;
  bool found = false;
  for (const auto& avp : packet->attributes) {
    if (avp.type == message_authenticator) {
      if (avp.value.size() != 16) return "the Message-Authenticator is not 16 bytes";
      std::string zeroed = signed_part;
      zeroed.replace(offset + 2, 16, std::string(16, '\0'));
      if (!constant_time_equal(hmac_md5(secret, zeroed), avp.value)) {
        return "the Message-Authenticator does not verify";
      }
      found = true;
      break;
    }
    offset += avp.value.size() + 2;
  }
  if (!found && require_message_authenticator) {
    return "the response has no Message-Authenticator (required against BlastRADIUS, "
           "CVE-2024-3596; configure the server to send one, or set "
           "require_message_authenticator: false)";
  }
  return std::nullopt;
}

}  // namespace campus::radius
