// Plugins: the exec probe with the project's own misbehaving plugins and the real
// monitoring-plugins from Debian pointed at the real nginx and slapd the other tests start; and
// native plugins through the C ABI (the example plugin and deliberately broken ones).

#include <dirent.h>
#include <fstream>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"
#include "support.h"

using namespace campus;
using namespace campus::test;
using namespace std::chrono_literals;

namespace {

const std::string kPlugins = CAMPUS_SOURCE_DIR "/tests/plugins/";

RunRecord run_plugin(const std::string& params, const std::string& timeout = "5s",
                     const std::string& secrets = "") {
  return run_check(secrets +
                       "checks:\n  - id: t\n    probe: exec\n    target: \"127.0.0.1\"\n"
                       "    timeout: " +
                       timeout + "\n    params: " + params + "\n",
                   "t");
}

// Processes whose command line is exactly `command`.
int processes_running(const std::string& command) {
  int count = 0;
  DIR* proc = opendir("/proc");
  while (dirent* entry = readdir(proc)) {
    std::ifstream in(std::string("/proc/") + entry->d_name + "/cmdline");
    std::string cmdline;
    std::getline(in, cmdline);
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline == command + " ") ++count;
  }
  closedir(proc);
  return count;
}

}  // namespace

TEST_CASE("exec: exit statuses map to verdicts, the first line is the reason, perfdata is parsed") {
  auto ok = run_plugin("{command: " + kPlugins + "status.sh, args: [\"0\"]}");
  CHECK(ok.result.verdict == Verdict::pass);
  CHECK(ok.result.reason == "CAMPUS OK - portal answered in 0.120s");
  CHECK(ok.result.evidence["long_output"] == "long text line 1\nlong text line 2");
  const auto& perf = ok.result.labelled_measurements;
  REQUIRE(perf.size() == 4);
  CHECK(perf[0].label == "time");
  CHECK(perf[0].value == doctest::Approx(0.12));
  CHECK(perf[2].label == "login page");
  CHECK(perf[2].value == doctest::Approx(0.035));  // ms in seconds
  CHECK(perf[3].label == "extra");                 // perfdata of the long text
  CHECK(ok.result.evidence["perfdata"][0]["warn"] == "1");

  auto warning = run_plugin("{command: " + kPlugins + "status.sh, args: [\"1\"]}");
  CHECK(warning.result.verdict == Verdict::pass);
  CHECK(warning.result.reason == "WARNING: CAMPUS WARNING - portal slow");
  CHECK(warning.result.evidence["status"] == "WARNING");
  auto strict = run_plugin("{command: " + kPlugins + "status.sh, args: [\"1\"], warning_is: fail}");
  CHECK(strict.result.verdict == Verdict::fail);
  auto critical = run_plugin("{command: " + kPlugins + "status.sh, args: [\"2\"]}");
  CHECK(critical.result.verdict == Verdict::fail);
  CHECK(critical.result.reason == "CAMPUS CRITICAL - portal down");
  CHECK(critical.result.evidence["malformed_perfdata"] == nlohmann::json::array({"bad=abc"}));
  auto unknown = run_plugin("{command: " + kPlugins + "status.sh, args: [\"3\"]}");
  CHECK(unknown.result.verdict == Verdict::error);
  CHECK(unknown.result.reason == "UNKNOWN (exit 3): CAMPUS UNKNOWN - cannot tell");
}

TEST_CASE("exec: a hanging plugin and one that ignores SIGTERM are killed within the timeout") {
  auto slow = run_plugin("{command: " + kPlugins + "slow.sh}", "2s");
  CHECK(slow.result.kind == FailureKind::timeout);
  CHECK(slow.result.reason == "plugin timed out after 2s (killed by signal 15)");
  CHECK(slow.result.duration < 2s);
  auto stubborn = run_plugin("{command: " + kPlugins + "ignores-term.sh}", "2s");
  CHECK(stubborn.result.kind == FailureKind::timeout);
  CHECK(stubborn.result.reason == "plugin timed out after 2s (killed by signal 9)");
  CHECK(stubborn.result.duration < 2s);
  CHECK(processes_running("/bin/sh " + kPlugins + "ignores-term.sh") == 0);
}

TEST_CASE("exec: a plugin's leftover child is killed, and 10 MB of output is capped") {
  auto forks = run_plugin("{command: " + kPlugins + "forks.sh}");
  CHECK(forks.result.verdict == Verdict::pass);
  CHECK(forks.result.duration < 1s);
  CHECK(wait_until([] { return processes_running("sleep 61") == 0; }, 2s));
  auto big = run_plugin("{command: " + kPlugins + "big-output.sh}");
  CHECK(big.result.verdict == Verdict::pass);
  CHECK(big.result.evidence["output_truncated_at"] == 65536);
}

TEST_CASE("exec: secrets go through the environment only, and never come back out") {
  TempDir dir;
  const std::string secrets =
      "secrets:\n  plug: {username: u, password_file: " + dir.file("pw", "s3cret-plugin-pw") +
      "}\n";
  auto r = run_plugin("{command: " + kPlugins +
                          "env.sh, args: [\"${target}\"], secret_env: "
                          "{CAMPUS_TEST_PASSWORD: plug.password}, directory: /tmp}",
                      "5s", secrets);
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.reason.find("args: 127.0.0.1; HOME=unset cwd=/tmp") != std::string::npos);
  CHECK(r.result.reason.find("s3cret-plugin-pw") == std::string::npos);
  CHECK(r.result.evidence.dump().find("s3cret-plugin-pw") == std::string::npos);
}

TEST_CASE("exec: Debian's monitoring-plugins against the real nginx and slapd") {
  auto http = run_plugin("{command: check_http, args: [-H, 127.0.0.1, -p, \"" +
                         server("NGINX_HTTP_PORT") + "\", -u, /status.json, -s, campus-test]}");
  INFO(http.result.reason);
  CHECK(http.result.verdict == Verdict::pass);
  CHECK(http.result.reason.find("HTTP OK") == 0);
  bool has_time = false;
  for (const auto& m : http.result.labelled_measurements)
    has_time |= m.label == "time";
  CHECK(has_time);
  auto missing = run_plugin("{command: check_http, args: [-H, 127.0.0.1, -p, \"" +
                            server("NGINX_HTTP_PORT") + "\", -u, /status/500]}");
  CHECK(missing.result.verdict == Verdict::fail);
  auto tcp = run_plugin("{command: check_tcp, args: [-H, 127.0.0.1, -p, \"" +
                        server("NGINX_HTTP_PORT") + "\"]}");
  CHECK(tcp.result.verdict == Verdict::pass);
  auto ldap = run_plugin("{command: check_ldap, args: [-H, 127.0.0.1, -p, \"" +
                         server("SLAPD_PORT") + "\", -b, \"dc=campus,dc=test\", -3]}");
  INFO(ldap.result.reason);
  CHECK(ldap.result.verdict == Verdict::pass);
  auto refused = run_plugin("{command: check_tcp, args: [-H, 127.0.0.1, -p, \"" +
                            std::to_string(free_port()) + "\"]}");
  CHECK(refused.result.verdict == Verdict::fail);
  CHECK(refused.result.reason.find("Connection refused") != std::string::npos);
}

namespace {

std::string native_config(const std::vector<std::string>& dirs, const std::string& checks) {
  std::string list;
  for (const auto& d : dirs)
    list += (list.empty() ? "" : ", ") + d;
  return "agent: {plugin_dirs: [" + list + "]}\nchecks:\n" + checks;
}

std::string config_errors(const std::string& yaml) {
  static const Catalog catalog = Catalog::builtin();
  static const ProbeRegistry probes = ProbeRegistry::builtin();
  Diagnostics d;
  auto config = load_plan_text("plugins.yaml", yaml, {catalog}, probes, d);
  CHECK_FALSE(config.has_value());
  return d.str();
}

const std::string kExamples = CAMPUS_EXAMPLE_PLUGINS_DIR;
const std::string kNative = CAMPUS_NATIVE_PLUGINS_DIR;

}  // namespace

TEST_CASE("native plugin: the example tcp-banner plugin loads and runs next to built-in probes") {
  const std::string target = "127.0.0.1:" + server("MISBEHAVE_BANNER_PORT");
  const std::string checks = "  - {id: t, probe: tcp-banner, target: \"" + target +
                             "\", params: {expect: ESMTP}}\n"
                             "  - {id: wrong, probe: tcp-banner, target: \"" +
                             target +
                             "\", params: {expect: FTP}}\n"
                             "  - {id: quiet, probe: tcp-banner, target: \"127.0.0.1:" +
                             server("MISBEHAVE_SILENT_PORT") +
                             "\", timeout: 2s}\n"
                             "  - {id: builtin, probe: tcp, target: \"" +
                             target + "\"}\n";
  const std::string yaml = native_config({kExamples}, checks);
  auto r = run_check(yaml, "t");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.reason == "banner: 220 campus-test ESMTP ready");
  CHECK(r.result.evidence["banner"] == "220 campus-test ESMTP ready");
  CHECK(r.result.evidence["plugin"] == "tcp-banner example");
  CHECK(r.result.measurement("banner_bytes") > 20);
  auto wrong = run_check(yaml, "wrong");
  CHECK(wrong.result.kind == FailureKind::bad_content);
  CHECK(wrong.result.reason == "the banner does not contain \"FTP\"");
  auto quiet = run_check(yaml, "quiet");
  CHECK(quiet.result.kind == FailureKind::timeout);
  CHECK(quiet.result.reason == "connected, but no banner before the deadline");
  CHECK(run_check(yaml, "builtin").result.verdict == Verdict::pass);
}

TEST_CASE("native plugin: another ABI version, a taken type, no entry point are refused at load") {
  const std::string check = "  - {id: t, probe: tcp, target: \"127.0.0.1:1\"}\n";
  const std::string abi = config_errors(native_config({kNative + "/bad_abi"}, check));
  CHECK(abi.find("bad_abi.so was built for plugin ABI version 2, this agent speaks version 1") !=
        std::string::npos);
  const std::string duplicate =
      config_errors(native_config({kExamples, kNative + "/duplicate"}, check));
  CHECK(duplicate.find("probe type 'tcp-banner' is already provided") != std::string::npos);
  CHECK(duplicate.find("probe type 'http' is already provided") != std::string::npos);
  const std::string entry = config_errors(native_config({kNative + "/no_entry"}, check));
  CHECK(entry.find("does not export campus_probe_plugin_entry()") != std::string::npos);
  const std::string params = config_errors(native_config(
      {kExamples},
      "  - {id: t, probe: tcp-banner, target: \"127.0.0.1:25\", params: {expct: x}}\n"));
  CHECK(params.find("checks[0].params: unknown param 'expct' (tcp-banner knows: expect)") !=
        std::string::npos);
}

TEST_CASE(
    "native plugin: a plugin that overruns its deadline is cut off, its late result dropped") {
  auto r = run_check(
      native_config({kNative + "/slow"}, "  - {id: t, probe: sleepy, target: x, timeout: 1s}\n"),
      "t");
  CHECK(r.result.verdict == Verdict::fail);
  CHECK(r.result.kind == FailureKind::timeout);
  CHECK(r.result.duration < 2s);
}
