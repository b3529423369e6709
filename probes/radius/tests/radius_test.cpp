// RADIUS encoding and answer checks against the worked example of RFC 2865 §7.1 and against
// forged and malformed answers.

#include <doctest/doctest.h>

#include "core/hash.h"
#include "radius/radius_packet.h"

using namespace campus;
using namespace campus::radius;

namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += char(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

Authenticator authenticator(std::string_view hex) {
  Authenticator a{};
  const std::string bytes = from_hex(hex);
  std::copy(bytes.begin(), bytes.end(), a.begin());
  return a;
}

// RFC 2865 §7.1: secret "xyzzy5461", user nemo, password "arctangent".
const Authenticator kRequestAuth = authenticator("0f403f9473978057bd83d5cb98f4227a");
const std::string kAccept =
    from_hex("0200002686fe220e7624ba2a1005f6bf9b55e0b20606000000010f06000000000e06c0a80103");

}  // namespace

TEST_CASE("User-Password hiding matches RFC 2865's example") {
  auto hidden = hide_password("arctangent", "xyzzy5461", kRequestAuth);
  REQUIRE(hidden);
  CHECK(to_hex(*hidden) == "0dbe708d93d413ce3196e43f782a0aee");
  CHECK(hide_password(std::string(40, 'p'), "s", kRequestAuth)->size() == 48);
  CHECK_FALSE(hide_password(std::string(129, 'p'), "s", kRequestAuth));
}

TEST_CASE("the example's Access-Accept verifies, and fails with another secret or a changed byte") {
  CHECK_FALSE(verify_response(kAccept, kRequestAuth, "xyzzy5461", false));
  CHECK(verify_response(kAccept, kRequestAuth, "xyzzy5462", false) ==
        "the response authenticator does not verify (wrong shared secret, or a forged answer)");
  std::string changed = kAccept;
  changed[25] ^= 1;  // Service-Type altered in flight
  CHECK(verify_response(changed, kRequestAuth, "xyzzy5461", false).has_value());
  // BlastRADIUS: without a Message-Authenticator the answer is not believed by default.
  CHECK(
      verify_response(kAccept, kRequestAuth, "xyzzy5461", true)->find("no Message-Authenticator") !=
      std::string::npos);
}

TEST_CASE("a request carries a Message-Authenticator first, and decodes back") {
  Packet p;
  p.code = access_request;
  p.id = 7;
  p.authenticator = kRequestAuth;
  p.attributes = {{user_name, "nemo"}, {nas_identifier, "campus-probe"}};
  const std::string wire = encode_request(p, "s3cret");
  std::string error;
  auto back = decode(wire, error);
  REQUIRE(back);
  CHECK(back->code == access_request);
  CHECK(back->id == 7);
  REQUIRE(back->attributes.size() == 3);
  CHECK(back->attributes[0].type == message_authenticator);
  CHECK(back->attributes[1].value == "nemo");
}

TEST_CASE("malformed datagrams are named, never trusted") {
  std::string error;
  CHECK_FALSE(decode("short", error));
  CHECK(error == "packet shorter than the 20-byte header");
  std::string bad = kAccept;
  bad[3] = char(200);
  CHECK_FALSE(decode(bad, error));
  CHECK(error == "length field 200 does not fit the 38-byte datagram");
  std::string attr = kAccept;
  attr[21] = char(40);  // the first attribute claims to run past the end
  CHECK_FALSE(decode(attr, error));
  CHECK(error == "attribute at byte 20 runs past the packet");
  CHECK(code_name(3) == "Access-Reject");
  CHECK(attribute_name(18) == "Reply-Message");
  CHECK(attribute_name(200) == "Attribute-200");
}
