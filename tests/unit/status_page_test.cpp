// The status page as served: the embedded page with its first-paint data spliced in, where no
// text a target sent can end the data's <script> element.

#include "daemon/status_page.h"

#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"

using namespace campus;

TEST_CASE("the status page carries its data in a script element that target text cannot end") {
  const Catalog catalog = Catalog::builtin();
  const std::string hostile = "</script><script>alert(1)</script><!-- & >";
  nlohmann::json initial = {
      {"indicators",
       nlohmann::json::array({{{"id", "H-1.1.1.1"}, {"text", "学生能了解自己的培养要求"}}})},
      {"checks", nlohmann::json::array({{{"id", "web"}, {"last", {{"reason", hostile}}}}})},
      {"failures", nlohmann::json::array()}};
  const std::string page = status_page(catalog, initial);

  CHECK(page.starts_with("<!doctype html>"));
  CHECK(page.find("@INITIAL@") == std::string::npos);
  CHECK(page.find("@VERSION@") == std::string::npos);
  // Chinese stays readable in the page source; the hostile text only as JSON escapes.
  CHECK(page.find("学生能了解自己的培养要求") != std::string::npos);
  CHECK(page.find("alert(1)") != std::string::npos);
  CHECK(page.find("<script>alert(1)") == std::string::npos);
  CHECK(page.find(R"(\u003c/script\u003e\u003cscript\u003ealert(1))") != std::string::npos);

  // The data parses back to what went in, with the catalog's English names and the version.
  const std::string open = R"(<script id="initial" type="application/json">)";
  const auto from = page.find(open) + open.size();
  const auto to = page.find("</script>", from);
  const auto data = nlohmann::json::parse(page.substr(from, to - from));
  CHECK(data["checks"][0]["last"]["reason"] == hostile);
  CHECK(data["catalog"]["names_en"]["师生发展"] == "Teacher and student development");
  CHECK(data["catalog"]["editions"]["secondary"]["title"] ==
        "职业教育信息化标杆学校监测指标（中等职业教育版）");
  CHECK(data["version"].is_string());
}
