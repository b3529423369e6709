#include "cli/cli.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/text_width.h"
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

  // The cells of every row, in order, from the JSON listing of the same indicators.
  auto listed = run({"indicators", "--edition", "secondary", "--format", "json"});
  REQUIRE(listed.code == 0);
  std::vector<std::vector<std::string>> rows{{"ID", "评定维度", "主场景", "子场景", "关键指标"}};
  for (const auto& i : nlohmann::json::parse(listed.out)) {
    rows.push_back({});
    for (const char* field : {"id", "dimension", "main_scene", "sub_scene", "text"})
      rows.back().push_back(i[field].get<std::string>());
  }
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  REQUIRE(lines.size() == 2 + rows.size());  // title, blank line, header, 44 rows
  CHECK(lines[1].empty());

  // Each cell starts at the same display column in every row (Chinese characters take two),
  // after nothing but spaces, and the widest cell of a column is followed by exactly two.
  std::vector<std::size_t> starts_of_header;
  std::vector<std::size_t> widest(rows[0].size(), 0);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const std::string& line = lines[2 + k];
    INFO("table line: ", line);
    std::vector<std::size_t> starts;
    std::size_t at = 0;
    for (std::size_t c = 0; c < rows[k].size(); ++c) {
      const std::string& cell = rows[k][c];
      REQUIRE_FALSE(cell.empty());
      const auto pos = line.find(cell, at);
      REQUIRE(pos != std::string::npos);
      CHECK(line.find_first_not_of(' ', at) == pos);
      if (c > 0) CHECK(pos - at >= 2);
      starts.push_back(campus::display_width(line.substr(0, pos)));
      widest[c] = std::max(widest[c], campus::display_width(cell));
      at = pos + cell.size();
    }
    CHECK(at == line.size());
    if (k == 0) starts_of_header = starts;
    REQUIRE(starts.size() == starts_of_header.size());
    for (std::size_t c = 0; c < starts.size(); ++c)
      CHECK(starts[c] == starts_of_header[c]);
  }
  REQUIRE(starts_of_header.size() == widest.size());
  CHECK(starts_of_header[0] == 0);
  for (std::size_t c = 0; c + 1 < widest.size(); ++c)
    CHECK(starts_of_header[c + 1] == starts_of_header[c] + widest[c] + 2);
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

TEST_CASE("recipes lists the recipes, shows one in full, and refuses an unknown name") {
  auto list = run({"recipes"});
  REQUIRE(list.code == 0);
  CHECK(list.out.find("synjones-onecard") != std::string::npos);
  CHECK(list.out.find("wisedu-ehall-app") != std::string::npos);
  auto one = run({"recipes", "synjones-onecard"});
  REQUIRE(one.code == 0);
  CHECK(one.out.find("indicators:  H-3.4.1.1, S-3.4.1.1") != std::string::npos);
  CHECK(one.out.find("  platform (required): ") != std::string::npos);
  CHECK(one.out.find("  max_age (default 1h): ") != std::string::npos);
  CHECK(one.out.find("confirm at your campus:") != std::string::npos);
  CHECK(one.out.find("expands to:\n  check:\n    probe: scenario") != std::string::npos);
  auto unknown = run({"recipes", "blackboard"});
  CHECK(unknown.code == 2);
  CHECK(unknown.err.find("campus-probe: no recipe 'blackboard' (known: ") == 0);
}
