#include "core/text_width.h"

#include <doctest/doctest.h>

TEST_CASE("display width counts CJK as two columns") {
  CHECK(campus::display_width("H-1.1.1.1") == 9);
  CHECK(campus::display_width("学生发展") == 8);
  CHECK(campus::display_width("IT 运维") == 7);
  CHECK(campus::display_width("（高等职业教育版）") == 18);
  CHECK(campus::display_width("\xff") == 1);
  CHECK(campus::pad_right("师生", 6) == "师生  ");
  CHECK(campus::pad_right("wide", 2) == "wide");
}

using campus::decode_utf8;
using campus::utf8_excerpt;

TEST_CASE("an excerpt keeps whole characters within the byte limit and marks broken bytes") {
  CHECK(utf8_excerpt("plain ascii", 5) == "plain");
  CHECK(utf8_excerpt("统一身份认证", 7) == "统一");  // 3 bytes each: the third does not fit
  CHECK(utf8_excerpt("ab\xff"
                     "cd",
                     10) == "ab?cd");
  CHECK(utf8_excerpt("ab统", 4) == "ab");
  CHECK(utf8_excerpt("ab统", 5) == "ab统");
  CHECK(utf8_excerpt("", 5).empty());
  // Against the character-by-character definition, on mixed text cut at every length.
  const std::string mixed = "HTTP/1.1 200 OK 校园网 \xe6\x97 ok \xf0\x9f\x98\x80!\x80";
  for (std::size_t limit = 0; limit <= mixed.size() + 1; ++limit) {
    std::string expected;
    for (std::size_t i = 0; i < mixed.size();) {
      const auto c = decode_utf8(mixed, i);
      const std::size_t length = c ? c->length : 1;
      if (expected.size() + length > limit) break;
      expected += c ? mixed.substr(i, length) : std::string("?");
      i += length;
    }
    CHECK_MESSAGE(utf8_excerpt(mixed, limit) == expected, limit);
  }
}
