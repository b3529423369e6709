#include "catalog/catalog.h"

#include <doctest/doctest.h>

using campus::Catalog;
using campus::Diagnostics;
using campus::Edition;

namespace {

// A minimal well-formed catalog; tests break it in one place at a time.
const char* const kSmall = R"(edition: higher
title: 测试
title_en: test
dimensions:
  - name: 维度
    name_en: Dimension
    main_scenes:
      - name: 主场景
        name_en: Main scene
        sub_scenes:
          - name: 子场景
            name_en: Sub-scene
            description: 说明
            description_en: Description
            indicators:
              - id: H-1.1.1.1
                text: 指标一
                text_en: One
              - id: H-1.1.1.2
                text: 指标二
                text_en: Two
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

std::string errors_of(const std::string& text) {
  Diagnostics diagnostics;
  auto parsed = Catalog::parse("broken.yaml", text, diagnostics);
  CHECK_FALSE(parsed.has_value());
  return diagnostics.str();
}

}  // namespace

TEST_CASE("built-in catalogs hold 61 higher and 44 secondary key indicators") {
  const Catalog catalog = Catalog::builtin();
  REQUIRE(catalog.edition(Edition::higher) != nullptr);
  REQUIRE(catalog.edition(Edition::secondary) != nullptr);
  CHECK(catalog.edition(Edition::higher)->indicators.size() == 61);
  CHECK(catalog.edition(Edition::secondary)->indicators.size() == 44);
  CHECK(catalog.edition(Edition::higher)->title ==
        "职业教育信息化标杆学校监测指标（高等职业教育版）");
  CHECK(catalog.edition(Edition::secondary)->title ==
        "职业教育信息化标杆学校监测指标（中等职业教育版）");
}

TEST_CASE("indicator ids resolve to the official texts") {
  const Catalog catalog = Catalog::builtin();
  struct Expected {
    const char* id;
    const char* text;
  };
  const Expected cases[] = {
      {"H-1.1.1.1", "学生能了解自己的培养要求"},
      {"H-2.2.2.3", "学生能获取图书馆借阅信息"},
      {"H-2.3.4.3", "在国家智慧教育平台上共享教学资源"},
      {"H-3.3.1.1", "校内人员能通过统一身份认证与单点登录获取信息服务"},
      {"H-3.3.3.1", "教学督导员能进行视频巡课"},
      {"H-3.4.3.1", "校内外人员能获取学校发布的各类动态信息"},
      {"H-4.1.1.3", "网络安全人员能监控校园网络攻击"},
      {"H-4.1.2.1", "IT 运维人员能管理多媒体教室"},
      {"H-4.1.3.2", "校内人员能通过刷卡进出门禁"},
      {"S-1.1.1.1", "学生能获取学校提供的与自身相关的就业信息"},
      {"S-3.3.1.1", "校内人员能通过统一身份认证与单点登录获取信息服务"},
      {"S-3.4.3.1", "校内外人员能获取各类动态信息"},
      {"S-4.1.2.1", "IT 运维人员能管理数字实训室"},
      {"S-4.1.3.1", "校内人员能通过刷卡进出门禁"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.id);
    const auto* indicator = catalog.find(c.id);
    REQUIRE(indicator != nullptr);
    CHECK(indicator->text == c.text);
    CHECK_FALSE(indicator->text_en.empty());
    CHECK_FALSE(indicator->suggested_checks.empty());
  }
  const auto* sso = catalog.find("H-3.3.1.1");
  CHECK(sso->dimension == "管理服务");
  CHECK(sso->main_scene == "信息化管理");
  CHECK(sso->sub_scene == "统一身份认证");
  CHECK(sso->description == "应用系统实现统一身份认证与单点登录服务");
  CHECK(catalog.find("H-4.1.3.3") == nullptr);
  CHECK(catalog.find("S-4.1.3.2") == nullptr);
}

TEST_CASE("every indicator has all its fields and the ids follow the hierarchy") {
  const Catalog catalog = Catalog::builtin();
  for (const auto& edition : catalog.editions()) {
    for (const auto& i : edition.indicators) {
      CAPTURE(i.id);
      CHECK(i.edition == edition.edition);
      for (const std::string* field :
           {&i.dimension, &i.dimension_en, &i.main_scene, &i.main_scene_en, &i.sub_scene,
            &i.sub_scene_en, &i.description, &i.description_en, &i.text, &i.text_en}) {
        CHECK_FALSE(field->empty());
      }
      const std::string expected =
          std::string(campus::id_prefix(edition.edition)) + "-" +
          std::to_string(i.dimension_position) + "." + std::to_string(i.main_scene_position) + "." +
          std::to_string(i.sub_scene_position) + "." + std::to_string(i.position);
      CHECK(i.id == expected);
    }
  }
}

TEST_CASE("the catalog files on disk load like the built-in ones") {
  Diagnostics diagnostics;
  auto catalog =
      Catalog::load_files({CAMPUS_SOURCE_DIR "/configs/indicators/higher-vocational.yaml",
                           CAMPUS_SOURCE_DIR "/configs/indicators/secondary-vocational.yaml"},
                          diagnostics);
  INFO(diagnostics.str());
  REQUIRE(catalog.has_value());
  CHECK(catalog->edition(Edition::higher)->indicators.size() == 61);
  CHECK(catalog->edition(Edition::secondary)->indicators.size() == 44);
}

TEST_CASE("a well-formed small catalog parses") {
  Diagnostics diagnostics;
  auto parsed = Catalog::parse("small.yaml", kSmall, diagnostics);
  INFO(diagnostics.str());
  REQUIRE(parsed.has_value());
  CHECK(parsed->indicators.size() == 2);
  CHECK(parsed->indicators[1].id == "H-1.1.1.2");
}

TEST_CASE("a duplicate id is named with file and line") {
  const auto errors = errors_of(replace(kSmall, "id: H-1.1.1.2", "id: H-1.1.1.1"));
  CHECK(errors.find("broken.yaml:19:") != std::string::npos);
  CHECK(errors.find("duplicate id H-1.1.1.1 (first used on line 16)") != std::string::npos);
}

TEST_CASE("a gap in the numbering is named with file and line") {
  const auto errors = errors_of(replace(kSmall, "id: H-1.1.1.2", "id: H-1.1.1.3"));
  CHECK(errors ==
        "broken.yaml:19:21: dimensions[0].main_scenes[0].sub_scenes[0].indicators[1].id: id "
        "H-1.1.1.3 does not match its position in the table: expected H-1.1.1.2\n");
}

TEST_CASE("a missing field is named with file, line and key path") {
  const auto errors = errors_of(replace(kSmall, "                text_en: Two\n", ""));
  CHECK(errors ==
        "broken.yaml:19:17: dimensions[0].main_scenes[0].sub_scenes[0].indicators[1].text_en: "
        "missing required key\n");
}

TEST_CASE("an empty text, an unknown edition and an unknown key are all reported at once") {
  std::string text = replace(kSmall, "edition: higher", "edition: tertiary");
  text = replace(text, "text: 指标一", "text: \"  \"");
  text = replace(text, "text_en: Two", "text_en: Two\n                txet: typo");
  const auto errors = errors_of(text);
  CHECK(errors.find("broken.yaml:1:10: edition: unknown edition 'tertiary' (expected higher or "
                    "secondary)") != std::string::npos);
  CHECK(errors.find("indicators[0].text: must not be empty") != std::string::npos);
  CHECK(errors.find("broken.yaml:22:17: dimensions[0].main_scenes[0].sub_scenes[0].indicators[1]."
                    "txet: unknown key 'txet' (did you mean 'text'?)") != std::string::npos);
}

TEST_CASE("a YAML syntax error names the line") {
  const auto errors = errors_of("edition: higher\ntitle: [unclosed\n");
  CHECK(errors.find("broken.yaml:") == 0);
  CHECK(errors.find("YAML syntax error") != std::string::npos);
}

TEST_CASE("an unreadable catalog file is reported") {
  Diagnostics diagnostics;
  CHECK_FALSE(Catalog::load_files({"/nonexistent/catalog.yaml"}, diagnostics).has_value());
  CHECK(diagnostics.str() == "/nonexistent/catalog.yaml: cannot read file\n");
}

TEST_CASE("loading the same edition twice is refused") {
  Catalog catalog;
  Diagnostics diagnostics;
  auto parsed = Catalog::parse("a.yaml", kSmall, diagnostics);
  REQUIRE(parsed);
  CHECK(catalog.add(*parsed, "a.yaml", diagnostics));
  CHECK_FALSE(catalog.add(*parsed, "b.yaml", diagnostics));
  CHECK(diagnostics.str() == "b.yaml: edition: edition 'higher' loaded twice\n");
}
