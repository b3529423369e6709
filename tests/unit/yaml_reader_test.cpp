#include "core/yaml_reader.h"

#include <doctest/doctest.h>

using campus::Diagnostics;
using campus::YamlSource;
using campus::YamlValue;

TEST_CASE("typed accessors report the key path and what was expected") {
  Diagnostics diagnostics;
  YamlSource source{"c.yaml", &diagnostics};
  auto root = YamlValue::parse("a: x\nb: [1, [two]]\nc: 5\nd: yes\n", &source);
  REQUIRE(root);
  auto map = root->map();
  CHECK_FALSE(map.get("a")->integer(0, 10));
  CHECK_FALSE(map.get("b")->string_list());
  CHECK_FALSE(map.get("c")->integer(0, 3));
  CHECK_FALSE(map.get("d")->boolean());
  CHECK_FALSE(map.required("e"));
  map.finish();
  CHECK(diagnostics.str() ==
        "c.yaml:1:4: a: expected an integer\n"
        "c.yaml:2:8: b[1]: expected a string\n"
        "c.yaml:3:4: c: expected an integer from 0 to 3, got 5\n"
        "c.yaml:4:4: d: expected true or false\n"
        "c.yaml:1:1: e: missing required key\n");
}

TEST_CASE("duplicate keys are errors") {
  Diagnostics diagnostics;
  YamlSource source{"d.yaml", &diagnostics};
  auto root = YamlValue::parse("a: 1\na: 2\n", &source);
  REQUIRE(root);
  auto map = root->map();
  CHECK(map.get("a")->integer(0, 9) == 1);
  map.finish();
  CHECK(diagnostics.str() == "d.yaml:2:1: a: duplicate key\n");
}
