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
