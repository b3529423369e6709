// Attestations against the running daemon: an indicator no check proves is attested
// (达标（人工确认）) while its attestation holds and unverified after it expires; under
// checks_and_attestation a passing check alone is not enough; the attestation is a chain record
// the report cites with its document's hash and approver.

#include <ctime>
#include <signal.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "evidence_support.h"
#include "support.h"

using namespace campus::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDocument = "# 2026级人才培养方案调整说明\n\n经校党委会审议通过。\n";
constexpr const char* kDocumentSha256 =
    "c30d09d0c594713343cd57c0b8339a84cf9e261fc0595bdb05018cd6997e8095";

// `t` as a local time in China, to the second, as the config takes it.
std::string china_time(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t + 8h);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &tm);
  return buffer;
}

nlohmann::json indicator(const std::string& base, const std::string& id) {
  for (auto& i : nlohmann::json::parse(http_request(base + "/api/indicators").body)) {
    if (i["id"] == id) return i;
  }
  return nullptr;
}

std::string attestation(const std::string& id, const std::string& indicator,
                        const std::string& expires) {
  return "  - id: " + id + "\n    indicator: " + indicator +
         "\n    statement: 学校根据行业数字化人才需求调整了2026级人才培养方案\n"
         "    owner: {name: 王芳, role: 教务处处长}\n"
         "    approver: {name: 李明, role: 分管副校长}\n"
         "    document: {path: plan.md, ref: 校教〔2026〕15号}\n"
         "    valid_from: 2026-01-01\n    expires: \"" +
         expires + "\"\n";
}

}  // namespace

TEST_CASE("an attested indicator is met by people until its attestation expires") {
  TempDir dir;
  dir.file("plan.md", kDocument);
  const std::string expires = china_time(std::chrono::system_clock::now() + 8s);
  EvidenceAgent agent(dir, "default_interval: 300ms, default_timeout: 300ms",
                      "editions: [higher]\n"
                      "indicators:\n  H-2.2.2.1: {policy: checks_and_attestation}\n"
                      "  H-2.2.2.2: {policy: checks_and_attestation}\n"
                      "attestations:\n" +
                          attestation("talent-plan", "H-2.1.1.1", expires) +
                          attestation("majors", "H-2.1.2.1", "2099-12-31") +
                          attestation("online-learning", "H-2.2.2.1", "2099-12-31") +
                          "checks:\n  - {id: web, probe: tcp, target: \"127.0.0.1:" +
                          server("NGINX_HTTP_PORT") + "\", indicators: [H-2.2.2.1, H-2.2.2.2]}\n");
  const std::string& base = agent.base;
  REQUIRE_MESSAGE(wait_until([&] {
                    return metric_value(http_request(base + "/metrics").body,
                                        "campus_probe_runs_total{check=\"web\",result=\"pass\"}")
                               .value_or(0) >= 2;
                  }),
                  agent.process.output());

  const auto attested = indicator(base, "H-2.1.1.1");
  CHECK(attested["status"] == "attested");
  CHECK(attested["basis"] == "attestation");
  CHECK(attested["attestation"]["document"]["sha256"] == kDocumentSha256);
  CHECK(attested["attestation"]["approver"]["name"] == "李明");
  CHECK(indicator(base, "H-2.1.2.1")["status"] == "attested");
  // Both required: the check passes and the attestation holds...
  CHECK(indicator(base, "H-2.2.2.1")["status"] == "met");
  CHECK(indicator(base, "H-2.2.2.1")["basis"] == "checks_and_attestation");
  // ...and without an attestation a passing check proves only half of it.
  CHECK(indicator(base, "H-2.2.2.2")["status"] == "unverified");

  const std::string metrics = http_request(base + "/metrics").body;
  CHECK(metric_value(metrics,
                     "campus_indicator_status{dimension=\"教育教学\",edition=\"higher\","
                     "indicator=\"H-2.1.1.1\",scene=\"产教融合办学\"}") == 2);
  const auto days = metric_value(
      metrics,
      "campus_attestation_expiry_days{attestation=\"talent-plan\",indicator=\"H-2.1.1.1\"}");
  REQUIRE(days);
  CHECK(*days > 0);
  CHECK(*days < 1.0 / 24);

  // The report reads the attestation from the chain and says what the status rests on.
  const auto report = nlohmann::json::parse(
      http_request(base + "/report?edition=higher&format=json&since=1h").body);
  CHECK(report["summary"]["attested"] == 2);
  for (const auto& i : report["indicators"]) {
    if (i["id"] == "H-2.1.1.1") {
      CHECK(i["status"] == "attested");
      CHECK(i["basis"]["kind"] == "attestation");
      CHECK(i["basis"]["attestation"]["document"]["sha256"] == kDocumentSha256);
      CHECK(i["basis"]["attestation"]["approver"] == "李明（分管副校长）");
      CHECK(i["basis"]["text"].get<std::string>().find("校教〔2026〕15号") != std::string::npos);
    }
    if (i["id"] == "H-2.2.2.1") CHECK(i["status"] == "met");
    if (i["id"] == "H-2.2.2.2") CHECK(i["status"] == "unverified");
  }
  const std::string markdown =
      http_request(base + "/report?edition=higher&format=md&since=1h").body;
  CHECK(markdown.find("达标（人工确认）") != std::string::npos);

  // Past its expiry the indicator falls back to unverified, in the API at once and in the
  // metrics at the next refresh.
  REQUIRE(wait_until([&] { return indicator(base, "H-2.1.1.1")["status"] == "unverified"; }, 20s));
  CHECK(indicator(base, "H-2.1.2.1")["status"] == "attested");
  CHECK(wait_until(
      [&] {
        return metric_value(http_request(base + "/metrics").body,
                            "campus_indicator_status{dimension=\"教育教学\",edition=\"higher\","
                            "indicator=\"H-2.1.1.1\",scene=\"产教融合办学\"}") == -1;
      },
      20s));

  agent.process.signal(SIGTERM);
  REQUIRE(agent.process.wait(10s) == 0);
  const std::string evidence = all_evidence(agent.evidence);
  CHECK(evidence.find("\"type\":\"attestation\"") != std::string::npos);
  CHECK(evidence.find(kDocumentSha256) != std::string::npos);
}
