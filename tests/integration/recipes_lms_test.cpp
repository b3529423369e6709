// The recipes of teaching platforms, the 教务 system and the library against their simulators
// (tests/sim/, after the campus-systems notes): Chaoxing, ZFSoft jwglxt, SIP2, the 汇文 OPAC and
// its patron API.
// Each passes, and fails precisely on a wrong password, a captcha, empty data, or a system that
// is down.

#include <doctest/doctest.h>

#include "recipe_support.h"

using namespace campus;
using namespace campus::test;

namespace {

// The test accounts of the simulators.
struct LmsAccounts : SecretFiles {
  LmsAccounts() {
    add("chaoxing", "username: \"13800000001\"", "password", "Cx-pass-2024");
    add("chaoxing_wrong", "username: \"13800000001\"", "password", "Cx-pass-2023");
    add("jw", "username: \"2024010101\"", "password", "Zf-pass-2024");
    add("jw_wrong", "username: \"2024010101\"", "password", "Zf-pass-2023");
    add("sip2_terminal", "username: campus-probe", "password", "sip2pw");
    add("sip2_terminal_wrong", "username: campus-probe", "password", "wrong");
    add("patron", "username: P0001", "password", "1234");
    add("patron_wrong_pin", "username: P0001", "password", "4321");
    add("patron_invalid", "username: P0002", "password", "1234");
    add("huiwen_app", "username: campus-probe", "secret", "Hw-app-key-2024");
    add("huiwen_app_wrong", "username: campus-probe", "secret", "Hw-app-key-2023");
  }
};

struct LmsExpected {
  Verdict verdict;
  std::string reason_part;  ///< a part of the reason, or empty
};

void expect_lms(const RunRecord& r, const LmsExpected& e) {
  expect_run(r, e.verdict, e.reason_part);
}

}  // namespace

TEST_CASE(
    "recipe chaoxing-courses: AES login and the course list, or a wrong password, risk control, "
    "no courses, down") {
  LmsAccounts a;
  const std::string base = product_sim_url("CHAOXING");
  const auto with = [&](const std::string& account) {
    return "{credentials: " + account + ", passport: " + base + ", course_api: " + base + "}";
  };
  sim_control("SIM_CHAOXING_PORT", R"({"reset": true})");
  expect_lms(a.run("chaoxing-courses", with("chaoxing")), {Verdict::pass, "2 steps passed"});
  expect_lms(a.run("chaoxing-courses", with("chaoxing_wrong")),
             {Verdict::fail, "step 1 \"login\": /status: expected == true"});
  sim_control("SIM_CHAOXING_PORT", R"({"password_rejected": true})");
  expect_lms(a.run("chaoxing-courses", with("chaoxing")),
             {Verdict::fail, "step 1 \"login\": /status: expected == true"});
  sim_control("SIM_CHAOXING_PORT", R"({"reset": true, "risk_control": true})");
  expect_lms(a.run("chaoxing-courses", with("chaoxing")),
             {Verdict::fail, "step 1 \"login\": body matches /很抱歉"});
  sim_control("SIM_CHAOXING_PORT", R"({"reset": true, "courses": "empty"})");
  expect_lms(a.run("chaoxing-courses", with("chaoxing")),
             {Verdict::fail, "step 2 \"course list\": /channelList: expected length >= 1, got 0"});
  sim_control("SIM_CHAOXING_PORT", R"({"reset": true, "offline": "503"})");
  expect_lms(a.run("chaoxing-courses", with("chaoxing")),
             {Verdict::fail, "step 1 \"login\": expected status 200, got 503"});
  sim_control("SIM_CHAOXING_PORT", R"({"reset": true, "offline": "close"})");
  expect_lms(a.run("chaoxing-courses", with("chaoxing")), {Verdict::fail, "step 1 \"login\""});
  sim_control("SIM_CHAOXING_PORT", R"({"reset": true})");
}

TEST_CASE(
    "recipe zfsoft-jwglxt-timetable: RSA login and the timetable, or a wrong password, a "
    "captcha, an empty timetable, down") {
  LmsAccounts a;
  const auto with = [](const std::string& account) {
    return "{site: " + product_sim_url("ZFSOFT") + ", credentials: " + account + ", term: 3}";
  };
  sim_control("SIM_ZFSOFT_PORT", R"({"reset": true})");
  expect_lms(a.run("zfsoft-jwglxt-timetable", with("jw")), {Verdict::pass, "4 steps passed"});
  expect_lms(a.run("zfsoft-jwglxt-timetable", with("jw_wrong")),
             {Verdict::fail, "step 3 \"login\": body matches /用户名或密码不正确/"});
  sim_control("SIM_ZFSOFT_PORT", R"({"reset": true, "password_rejected": true})");
  expect_lms(a.run("zfsoft-jwglxt-timetable", with("jw")),
             {Verdict::fail, "step 3 \"login\": body matches /用户名或密码不正确/"});
  sim_control("SIM_ZFSOFT_PORT", R"({"reset": true, "captcha": true})");
  expect_lms(a.run("zfsoft-jwglxt-timetable", with("jw")),
             {Verdict::fail, "step 3 \"login\": body matches /验证码不能为空|验证码输入错误/"});
  // Repeated failures demand the captcha, which then stops the right password too.
  sim_control("SIM_ZFSOFT_PORT", R"({"reset": true})");
  for (int i = 0; i < 3; ++i)
    a.run("zfsoft-jwglxt-timetable", with("jw_wrong"));
  expect_lms(a.run("zfsoft-jwglxt-timetable", with("jw")),
             {Verdict::fail, "step 3 \"login\": body matches /验证码不能为空|验证码输入错误/"});
  sim_control("SIM_ZFSOFT_PORT", R"({"reset": true, "timetable": "empty"})");
  expect_lms(a.run("zfsoft-jwglxt-timetable", with("jw")),
             {Verdict::fail, "step 4 \"timetable\": /kbList: expected length >= 1, got 0"});
  sim_control("SIM_ZFSOFT_PORT", R"({"reset": true, "offline": "503"})");
  expect_lms(a.run("zfsoft-jwglxt-timetable", with("jw")),
             {Verdict::fail, "step 1 \"login page\": expected status 200, got 503"});
  sim_control("SIM_ZFSOFT_PORT", R"({"reset": true})");
}

TEST_CASE(
    "recipe sip2-patron: the test patron's loans, or a refused terminal, a wrong PIN, an "
    "invalid patron, an offline ACS, a dropped connection") {
  LmsAccounts a;
  const auto with = [](const std::string& mode, const std::string& login,
                       const std::string& patron) {
    return "{server: \"127.0.0.1:" + server("SIP2_SIM_" + mode + "_PORT") + "\", login: " + login +
           ", patron: " + patron + "}";
  };
  expect_lms(a.run("sip2-patron", with("NORMAL", "sip2_terminal", "patron")),
             {Verdict::pass, "patron valid with 2 item(s) charged"});
  expect_lms(
      a.run("sip2-patron", "{server: \"127.0.0.1:" + server("SIP2_SIM_GB18030_PORT") +
                               "\", login: sip2_terminal, patron: patron, encoding: gb18030}"),
      {Verdict::pass, "2 item(s) charged"});
  const auto terminal = a.run("sip2-patron", with("NORMAL", "sip2_terminal_wrong", "patron"));
  expect_lms(terminal, {Verdict::fail, ""});
  CHECK(terminal.result.kind == FailureKind::auth_rejected);
  const auto pin = a.run("sip2-patron", with("NORMAL", "sip2_terminal", "patron_wrong_pin"));
  expect_lms(pin, {Verdict::fail, ""});
  CHECK(pin.result.kind == FailureKind::auth_rejected);
  const auto invalid = a.run("sip2-patron", with("NORMAL", "sip2_terminal", "patron_invalid"));
  expect_lms(invalid, {Verdict::fail, ""});
  CHECK(invalid.result.kind == FailureKind::bad_content);
  const auto offline = a.run("sip2-patron", with("OFFLINE", "sip2_terminal", "patron"));
  expect_lms(offline, {Verdict::fail, ""});
  CHECK(offline.result.kind == FailureKind::bad_content);
  const auto dropped = a.run("sip2-patron", with("DROP", "sip2_terminal", "patron"));
  expect_lms(dropped, {Verdict::fail, ""});
  CHECK(dropped.result.kind == FailureKind::connect);
}

TEST_CASE(
    "recipe huiwen-opac-search: a held title has hits, or 本馆没有, an empty catalogue, down") {
  LmsAccounts a;
  const auto with = [](const std::string& title) {
    return "{opac: " + product_sim_url("HUIWEN") + ", title: \"" + title + "\"}";
  };
  sim_control("SIM_HUIWEN_PORT", R"({"reset": true})");
  expect_lms(a.run("huiwen-opac-search", with("计算机网络")), {Verdict::pass, "1 steps passed"});
  expect_lms(a.run("huiwen-opac-search", with("量子力学")),
             {Verdict::fail, "step 1 \"title search\": body matches /本馆没有/"});
  sim_control("SIM_HUIWEN_PORT", R"({"catalogue": "empty"})");
  expect_lms(a.run("huiwen-opac-search", with("计算机网络")),
             {Verdict::fail, "step 1 \"title search\": body matches /本馆没有/"});
  sim_control("SIM_HUIWEN_PORT", R"({"reset": true, "offline": "503"})");
  expect_lms(a.run("huiwen-opac-search", with("计算机网络")),
             {Verdict::fail, "step 1 \"title search\": expected status 200, got 503"});
  sim_control("SIM_HUIWEN_PORT", R"({"reset": true})");
}

TEST_CASE(
    "recipe huiwen-loan-history: the signed patron API lists loans, or a wrong key, no loans, "
    "down") {
  LmsAccounts a;
  const auto with = [](const std::string& app, const std::string& reader) {
    return "{api: " + product_sim_url("HUIWEN") + ", app: " + app + ", reader: " + reader + "}";
  };
  sim_control("SIM_HUIWEN_PORT", R"({"reset": true})");
  expect_lms(a.run("huiwen-loan-history", with("huiwen_app", "R0001")),
             {Verdict::pass, "1 steps passed"});
  expect_lms(a.run("huiwen-loan-history", with("huiwen_app", "R9999")),
             {Verdict::fail, "step 1 \"loan histories\": /code: expected == 0, got 404"});
  expect_lms(a.run("huiwen-loan-history", with("huiwen_app_wrong", "R0001")),
             {Verdict::fail, "step 1 \"loan histories\": /code: expected == 0, got 401"});
  sim_control("SIM_HUIWEN_PORT", R"({"key_rotated": true})");
  expect_lms(a.run("huiwen-loan-history", with("huiwen_app", "R0001")),
             {Verdict::fail, "/code: expected == 0, got 401"});
  sim_control("SIM_HUIWEN_PORT", R"({"reset": true, "loans": "empty"})");
  expect_lms(a.run("huiwen-loan-history", with("huiwen_app", "R0001")),
             {Verdict::fail, "/data/items: expected length >= 1, got 0"});
  sim_control("SIM_HUIWEN_PORT", R"({"reset": true, "offline": "close"})");
  expect_lms(a.run("huiwen-loan-history", with("huiwen_app", "R0001")),
             {Verdict::fail, "step 1 \"loan histories\""});
  sim_control("SIM_HUIWEN_PORT", R"({"reset": true})");
}
