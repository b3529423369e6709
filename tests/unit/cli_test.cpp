#include "cli/cli.h"

#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "version.h"

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(std::vector<const char*> args) {
  args.insert(args.begin(), "campus-probe");
  std::ostringstream out, err;
  const int code = campus::run_cli(int(args.size()), args.data(), out, err);
  return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("--version prints the version and exits 0") {
  auto r = run({"--version"});
  CHECK(r.code == 0);
  CHECK(r.out == std::string("campus-probe ") + campus::kVersion + "\n");
}

TEST_CASE("indicators --format json lists the 61 higher-vocational indicators") {
  auto r = run({"indicators", "--edition", "higher", "--format", "json"});
  REQUIRE(r.code == 0);
  auto all = nlohmann::json::parse(r.out);
  REQUIRE(all.is_array());
  CHECK(all.size() == 61);
  CHECK(all[0]["id"] == "H-1.1.1.1");
  CHECK(all[0]["edition"] == "higher");
  for (const char* field : {"dimension", "main_scene", "sub_scene", "description", "text",
                            "text_en", "suggested_checks"}) {
    CHECK(all[0].contains(field));
  }
}

TEST_CASE("indicators --edition secondary lists 44, and without an edition both") {
  auto secondary = run({"indicators", "--edition", "secondary", "--format", "json"});
  REQUIRE(secondary.code == 0);
  CHECK(nlohmann::json::parse(secondary.out).size() == 44);
  auto both = run({"indicators", "--format", "json"});
  CHECK(nlohmann::json::parse(both.out).size() == 105);
}

TEST_CASE("the table aligns the key indicator column") {
  auto r = run({"indicators", "--edition", "secondary"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("职业教育信息化标杆学校监测指标（中等职业教育版）  (44 key indicators)") == 0);
  CHECK(r.out.find("S-4.1.3.1") != std::string::npos);
  CHECK(r.out.find("校内人员能通过刷卡进出门禁") != std::string::npos);
}

TEST_CASE("unknown verbs, options and values are usage errors with exit 2") {
  for (auto args :
       {std::vector<const char*>{"frobnicate"},
        std::vector<const char*>{"indicators", "--edition", "tertiary"},
        std::vector<const char*>{"indicators", "--colour"}, std::vector<const char*>{}}) {
    auto r = run(args);
    CHECK(r.code == 2);
    CHECK(r.err.find("Usage") != std::string::npos);
  }
}
