// SIP2 messages as the 3M specification writes them: requests with sequence numbers and
// checksums, answers parsed strictly.

#include <doctest/doctest.h>

#include "sip2/sip2_message.h"

using namespace campus;
using namespace campus::sip2;

TEST_CASE("requests carry AY and a checksum that makes the byte sum zero") {
  const Options options;
  const std::string login = login_request("kiosk", "pw", "lobby", 0, options);
  CHECK(login.rfind("9300CNkiosk|COpw|CPlobby|AY0AZ", 0) == 0);
  CHECK(login.back() == '\r');
  unsigned sum = 0;
  for (unsigned char c : login.substr(0, login.size() - 5))
    sum += c;
  CHECK(((sum + std::stoul(login.substr(login.size() - 5, 4), nullptr, 16)) & 0xFFFF) == 0);
  CHECK(sc_status_request(1, options).rfind("9900302.00AY1AZ", 0) == 0);
  CHECK(checksum("941AY0AZ") == "FDFD");  // 0x10000 - 0x0203, the byte sum of "941AY0AZ"
  Options plain;
  plain.error_detection = false;
  plain.message_terminator = "\r\n";
  CHECK(sc_status_request(3, plain) == "9900302.00\r\n");
}

TEST_CASE("an ACS status answer is parsed into its fixed part and fields") {
  const Options options;
  std::string body =
      "98YYYYNN01000320261128    1200002.00AOcampus|AM图书馆|BXYYYYYYYYYYYYYYYY|AY1AZ";
  const std::string message = body + checksum(body);
  std::string error;
  auto r = parse_response(message, "98", kAcsStatusFixed, 1, options, error);
  REQUIRE_MESSAGE(r, error);
  CHECK(r->fixed.substr(30, 4) == "2.00");
  CHECK(r->field("AO") == "campus");
  CHECK(r->field("AM") == "图书馆");
  CHECK(r->sequence == 1);
}

TEST_CASE("bad answers are refused with the reason") {
  const Options options;
  std::string error;
  std::string body = "941AY0AZ";
  const std::string good = body + checksum(body);
  CHECK(parse_response(good, "94", 1, 0, options, error));
  CHECK_FALSE(parse_response(body + "0000", "94", 1, 0, options, error));
  CHECK(error == "bad checksum 0000 (expected " + checksum(body) + ")");
  CHECK_FALSE(parse_response(good, "94", 1, 3, options, error));
  CHECK(error == "sequence number 0 answers another request (sent 3)");
  CHECK_FALSE(parse_response("941", "94", 1, 0, options, error));
  CHECK(error == "no sequence number and checksum (AY/AZ) at the end");
  CHECK_FALSE(parse_response("96", "94", 1, 0, options, error));
  CHECK(error == "expected a 94 answer, got 96 (the ACS asks to resend: it saw a bad checksum)");
  CHECK_FALSE(parse_response("<html>", "94", 1, 0, options, error));
  CHECK(error == "not a SIP2 message (no two-digit identifier)");
  std::string short_body = "98YYAY0AZ";
  CHECK_FALSE(
      parse_response(short_body + checksum(short_body), "98", kAcsStatusFixed, 0, options, error));
  CHECK(error == "the fixed part is 2 characters, expected 34");
}
