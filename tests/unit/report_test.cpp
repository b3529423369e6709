// The compliance report from a real evidence log: statuses per indicator, citations, the four
// formats, and a broken chain said plainly.

#include <filesystem>
#include <fstream>
#include <regex>
#include <unistd.h>

#include <doctest/doctest.h>

#include "core/logger.h"
#include "evidence/evidence_log.h"
#include "report/compliance_report.h"

using namespace campus;
namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

struct EvidenceFixture {
  EvidenceFixture() {
    std::string pattern = (fs::temp_directory_path() / "campus-report-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    prometheus::Registry registry;
    Logger log{LogLevel::error, LogFormat::text, [](std::string_view) {}};
    EvidenceLog::Options options;
    options.dir = dir;
    options.fsync = FsyncPolicy::never;
    EvidenceLog evidence(options, registry, log);
    auto run = [&](const std::string& time, const std::string& check,
                   std::vector<std::string> indicators, bool pass) {
      evidence.append({{"type", "run"},
                       {"time", time},
                       {"check", check},
                       {"indicators", indicators},
                       {"verdict", pass ? "pass" : "fail"},
                       {"reason", pass ? "HTTP 200" : "expected status 2xx, got 500"}});
    };
    run("2026-11-20T08:00:00.000Z", "sso-login", {"H-3.3.1.1", "S-3.3.1.1"}, true);
    run("2026-11-21T08:00:00.000Z", "sso-login", {"H-3.3.1.1", "S-3.3.1.1"}, true);
    run("2026-11-20T09:00:00.000Z", "ids-feed", {"H-4.1.1.3"}, false);
    run("2026-11-20T10:00:00.000Z", "news", {"H-3.4.3.1"}, true);
    run("2026-11-22T10:00:00.000Z", "news", {"H-3.4.3.1"}, false);
    run("2026-11-23T10:00:00.000Z", "news", {"H-3.4.3.1"}, true);
    run("2026-10-01T10:00:00.000Z", "old", {"H-1.1.1.1"}, true);  // before the period
    // 岗课赛证融通 is a decision, waived until next spring by the person who answers for it.
    evidence.append({{"type", "waiver"},
                     {"time", "2026-11-16T00:00:00.000Z"},
                     {"indicator", "H-2.1.2.1"},
                     {"reason", "专业设置调整方案待学校审议"},
                     {"owner", "教务处 王老师"},
                     {"until", "2027-03-01"},
                     {"until_utc", "2027-02-28T16:00:00Z"}});
    // The library's planned upgrade: a failure inside its window does not count.
    run("2026-11-20T10:00:00.000Z", "library", {"H-2.2.2.3"}, true);
    evidence.append({{"type", "run"},
                     {"time", "2026-11-21T02:00:00.000Z"},
                     {"check", "library"},
                     {"indicators", {"H-2.2.2.3"}},
                     {"verdict", "fail"},
                     {"reason", "connection refused"},
                     {"maintenance",
                      {{"name", "library upgrade"},
                       {"reason", "planned upgrade of the library system"},
                       {"from", "2026-11-21T00:00:00Z"},
                       {"to", "2026-11-21T10:00:00Z"}}}});
    evidence.flush();
  }
  ~EvidenceFixture() { fs::remove_all(dir); }

  ComplianceReport report(Edition edition = Edition::higher) const {
    ReportRequest request;
    request.evidence_dir = dir;
    request.edition = edition;
    request.from = *parse_utc_time("2026-11-15T00:00:00Z");
    request.to = *parse_utc_time("2026-11-29T00:00:00Z");
    return build_report(request, catalog);
  }
  const IndicatorFindings& find(const ComplianceReport& r, const std::string& id) const {
    for (const auto& f : r.indicators) {
      if (f.indicator->id == id) return f;
    }
    FAIL("no indicator " << id);
    return r.indicators.front();
  }

  Catalog catalog = Catalog::builtin();
  std::string dir;
};

}  // namespace

TEST_CASE("UTC times parse in the forms auditors type") {
  CHECK(parse_utc_time("2026-11-28T12:00:00Z") == sys_days{year{2026} / 11 / 28} + hours(12));
  CHECK(parse_utc_time("2026-11-28T12:00:00.250Z") ==
        sys_days{year{2026} / 11 / 28} + hours(12) + milliseconds(250));
  CHECK(parse_utc_time("2026-11-28") == sys_days{year{2026} / 11 / 28});
  CHECK_FALSE(parse_utc_time("28/11/2026").has_value());
  CHECK_FALSE(parse_utc_time("2026-11-28T12:00:00+08:00").has_value());
}

TEST_CASE_FIXTURE(EvidenceFixture,
                  "statuses, ratios and citations follow the evidence of the period") {
  const auto r = report();
  CHECK(r.evidence_intact);
  CHECK(r.indicators.size() == 61);
  const auto& sso = find(r, "H-3.3.1.1");
  CHECK(sso.status == IndicatorStatus::met);
  CHECK(sso.runs == 2);
  CHECK(sso.pass_ratio() == 1.0);
  CHECK(sso.first_time == "2026-11-20T08:00:00.000Z");
  CHECK(sso.last_time == "2026-11-21T08:00:00.000Z");
  REQUIRE(sso.latest_pass.has_value());
  CHECK(sso.latest_pass->seq == 2);
  CHECK(sso.latest_pass->hash.size() == 64);
  CHECK_FALSE(sso.latest_failure.has_value());
  const auto& ids = find(r, "H-4.1.1.3");
  CHECK(ids.status == IndicatorStatus::failing);
  REQUIRE(ids.latest_failure.has_value());
  CHECK(ids.latest_failure->reason == "expected status 2xx, got 500");
  const auto& news = find(r, "H-3.4.3.1");
  CHECK(news.status == IndicatorStatus::met);  // its latest run passed
  CHECK(news.runs == 3);
  CHECK(news.strip.find('F') != std::string::npos);
  CHECK(news.strip.find('P') != std::string::npos);
  CHECK(find(r, "H-1.1.1.1").status == IndicatorStatus::unverified);  // outside the period
  CHECK(r.count(IndicatorStatus::met) == 3);
  CHECK(r.count(IndicatorStatus::failing) == 1);
  CHECK(r.count(IndicatorStatus::unverified) == 56);
  CHECK(r.count(IndicatorStatus::met, "管理服务") == 2);
  const auto secondary = report(Edition::secondary);
  CHECK(secondary.indicators.size() == 44);
  CHECK(find(secondary, "S-3.3.1.1").status == IndicatorStatus::met);
}

TEST_CASE_FIXTURE(EvidenceFixture, "every format lists every indicator of the edition") {
  const auto r = report();
  const auto json = report_json(r);
  CHECK(json["indicators"].size() == 61);
  CHECK(json["summary"]["failing"] == 1);
  CHECK(json["evidence"]["intact"] == true);
  const std::string csv = report_csv(r);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 62);
  const std::string md = report_markdown(r);
  const std::string html = report_html(r);
  for (const auto& f : r.indicators) {
    CAPTURE(f.indicator->id);
    CHECK(md.find("| " + f.indicator->id + " |") != std::string::npos);
    CHECK(html.find("data-id=\"" + f.indicator->id + "\" data-status=\"" +
                    std::string(to_string(f.status)) + "\"") != std::string::npos);
    CHECK(html.find(f.indicator->text) != std::string::npos);
  }
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("http") == std::string::npos);  // no external assets
}

TEST_CASE_FIXTURE(EvidenceFixture, "a broken chain is said plainly at the top of the report") {
  const auto segment = fs::directory_iterator(dir)->path().string();
  std::ifstream in(segment);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  text.replace(text.find("HTTP 200"), 8, "HTTP 201");
  std::ofstream(segment, std::ios::trunc) << text;
  const auto r = report();
  CHECK_FALSE(r.evidence_intact);
  CHECK(r.verification.find("hash mismatch") != std::string::npos);
  CHECK(report_html(r).find("class=\"bad\">证据链 Evidence: BROKEN") != std::string::npos);
}

TEST_CASE_FIXTURE(EvidenceFixture,
                  "failures inside a maintenance window do not count, and the window is listed") {
  const auto r = report();
  const auto& library = find(r, "H-2.2.2.3");
  CHECK(library.status == IndicatorStatus::met);
  CHECK(library.runs == 1);
  REQUIRE(r.maintenance.size() == 1);
  CHECK(r.maintenance[0].name == "library upgrade");
  CHECK(r.maintenance[0].runs == 1);
  CHECK(r.maintenance[0].excused == 1);
  CHECK(report_markdown(r).find("- library upgrade (2026-11-21T00:00:00Z to 2026-11-21T10:00:00Z): "
                                "planned upgrade of the library system; 1 run(s), 1 failure(s) not "
                                "counted") != std::string::npos);
  CHECK(report_json(r)["maintenance"][0]["failures_not_counted"] == 1);
  CHECK(report_html(r).find("id=maintenance") != std::string::npos);
}

TEST_CASE_FIXTURE(EvidenceFixture,
                  "a waiver in the evidence makes its indicator waived, never met") {
  const auto r = report();
  CHECK(find(r, "H-2.1.2.1").status == IndicatorStatus::waived);
  REQUIRE(r.waivers.size() == 1);
  CHECK(r.waivers[0].owner == "教务处 王老师");
  CHECK(report_json(r)["summary"]["waived"] == 1);
  CHECK(report_markdown(r).find("豁免 Waived: H-2.1.2.1 until 2027-02-28T16:00:00Z") !=
        std::string::npos);
}
