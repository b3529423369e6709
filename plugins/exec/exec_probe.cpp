// The `exec` probe: any Nagios/Icinga plugin (the monitoring-plugins collection, a vendor's
// script for the one-card or library system) as a check, per the plugin API: exit status 0-3,
// the first line as the reason, performance data as metrics.

#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "common/settings.h"
#include "core/redactor.h"
#include "core/text_width.h"
#include "nagios_output.h"
#include "plugin_process.h"
#include "probe/registry.h"

namespace campus {
namespace {

// Where Debian's monitoring-plugins live, so `command: check_tcp` works.
const std::vector<std::string> kPluginDirs = {"/usr/lib/nagios/plugins",
                                              "/usr/lib/monitoring-plugins"};

struct ExecSettings {
  std::string command;
  std::vector<std::string> args;
  std::vector<std::string> environment;
  std::vector<std::string> secret_values;  // passed through the environment, redacted in output
  std::optional<std::string> directory;
  bool warning_fails = false;
  std::chrono::milliseconds kill_grace{1000};
  std::size_t max_output = 64 * 1024;
};

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::optional<ExecSettings> parse_exec_settings(ProbeSetup& setup) {
  ExecSettings s;
  if (!setup.params) {
    setup.target_value.error("an exec check needs params.command");
    return std::nullopt;
  }
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    if (auto v = r.required("command")) {
      const auto command = v->text().value_or("");
      if (!command.empty() && command[0] == '/') {
        s.command = command;
      } else {
        for (const auto& dir : kPluginDirs) {
          if (executable(dir + "/" + command)) {
            s.command = dir + "/" + command;
            break;
          }
        }
      }
      if (!command.empty() && (s.command.empty() || !executable(s.command))) {
        v->error("no executable " + command +
                 (command[0] == '/' ? "" : " in /usr/lib/nagios/plugins (give an absolute path)"));
      }
    }
    if (auto v = r.get("args")) {
      // ${target} in an argument is the check's target; arguments never go through a shell.
      for (const auto& arg : v->string_list().value_or(std::vector<std::string>{})) {
        s.args.push_back(replace_all(arg, "${target}", setup.target));
      }
    }
    s.environment = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"};
    if (auto v = r.get("env")) {
      auto er = v->map();
      for (auto& [name, value] : er.entries()) {
        if (auto text = value.string()) s.environment.push_back(name + "=" + *text);
      }
    }
    if (auto v = r.get("secret_env")) {
      // NAME: SET.FIELD — a secret handed over in the environment, where `ps` does not show it.
      auto er = v->map();
      for (auto& [name, value] : er.entries()) {
        const auto ref = value.string().value_or("");
        const auto dot = ref.find('.');
        const SecretSet* set =
            dot == std::string::npos ? nullptr : setup.secrets.find(ref.substr(0, dot));
        const std::string field = dot == std::string::npos ? "" : ref.substr(dot + 1);
        const std::optional<std::string> secret = set ? set->field(field) : std::nullopt;
        if (!secret) {
          value.error(
              "expected SECRET.FIELD naming a defined secret and one of its fields "
              "(username, password, token, secret)");
          continue;
        }
        s.environment.push_back(name + "=" + *secret);
        if (field != "username") s.secret_values.push_back(*secret);
      }
    }
    if (auto v = r.get("directory")) s.directory = v->text();
    if (auto v = r.get("warning_is")) {
      read_enum(*v, s.warning_fails, {{"pass", false}, {"fail", true}});
    }
    if (auto v = r.get("max_output_bytes")) {
      s.max_output = std::size_t(v->integer(1024, 16 << 20).value_or(64 * 1024));
    }
  });
  if (!ok) return std::nullopt;
  return s;
}

std::string_view status_name(int code) {
  switch (code) {
    case 0:
      return "OK";
    case 1:
      return "WARNING";
    case 2:
      return "CRITICAL";
    case 3:
      return "UNKNOWN";
    default:
      return "UNKNOWN";
  }
}

class ExecProbe final : public Probe {
 public:
  ExecProbe(ExecSettings s, std::chrono::milliseconds timeout)
      : s_(std::move(s)), timeout_(timeout), redactor_(s_.secret_values) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    ProcessSpec spec;
    spec.command = s_.command;
    spec.args = s_.args;
    spec.environment = s_.environment;
    spec.directory = s_.directory;
    spec.max_output = s_.max_output;
    // SIGTERM early enough that SIGKILL and the reaping still fit in the check's timeout.
    spec.kill_grace = std::min(s_.kill_grace, timeout_ / 4);
    spec.deadline = ctx.deadline - spec.kill_grace - std::chrono::milliseconds(100);
    ctx.log.add("exec ", s_.command, " (", std::to_string(s_.args.size()), " argument(s))");
    const ProcessResult p = co_await run_process(ctx, spec);
    nlohmann::json evidence = {{"command", s_.command}};
    if (!p.spawn_error.empty()) co_return ProbeResult::error(p.spawn_error);
    evidence["duration_ms"] = int(p.elapsed.count() * 1000);
    if (p.timed_out) {
      evidence["output"] = redactor_.text(utf8_excerpt(p.output, 500));
      co_return ProbeResult::fail(
          FailureKind::timeout,
          "plugin timed out after " + format_seconds(timeout_) +
              (p.signal ? " (killed by signal " + std::to_string(p.signal) + ")" : ""),
          evidence);
    }
    const PluginOutput out = parse_plugin_output(p.output);
    ctx.log.add("exit ",
                p.signal ? "by signal " + std::to_string(p.signal) : std::to_string(p.exit_code),
                ": ", redactor_.text(utf8_excerpt(out.text, 300)));
    evidence["exit_code"] = p.exit_code;
    evidence["status"] = p.signal ? "KILLED" : std::string(status_name(p.exit_code));
    evidence["output"] = redactor_.text(utf8_excerpt(out.text, 500));
    if (!out.long_text.empty())
      evidence["long_output"] = redactor_.text(utf8_excerpt(out.long_text, 2000));
    if (p.truncated) evidence["output_truncated_at"] = s_.max_output;
    nlohmann::json perf = nlohmann::json::array();
    for (const auto& d : out.perfdata) {
      perf.push_back({{"label", d.label},
                      {"value", d.value},
                      {"uom", d.uom},
                      {"warn", d.warn},
                      {"crit", d.crit},
                      {"min", d.min},
                      {"max", d.max}});
    }
    if (!perf.empty()) evidence["perfdata"] = std::move(perf);
    if (!out.malformed.empty()) evidence["malformed_perfdata"] = out.malformed;

    std::string reason = redactor_.text(utf8_excerpt(out.text, 300));
    if (reason.empty()) {
      reason = p.errors.empty()
                   ? "the plugin printed nothing"
                   : "no output; stderr: " + redactor_.text(utf8_excerpt(p.errors, 200));
    }
    ProbeResult result = ProbeResult::error("");
    if (p.signal) {
      result = ProbeResult::error("the plugin was killed by signal " + std::to_string(p.signal));
    } else if (p.exit_code == 0 || (p.exit_code == 1 && !s_.warning_fails)) {
      result = ProbeResult::pass(p.exit_code == 1 ? "WARNING: " + reason : reason);
    } else if (p.exit_code == 1 || p.exit_code == 2) {
      result = ProbeResult::fail(FailureKind::bad_content, reason);
    } else {
      result = ProbeResult::error("UNKNOWN (exit " + std::to_string(p.exit_code) + "): " + reason);
    }
    result.evidence = std::move(evidence);
    result.measure("plugin_exit_code", p.signal ? -1 : p.exit_code);
    for (const auto& d : out.perfdata)
      result.labelled_measurements.push_back({"plugin_perfdata", d.label, d.base_value});
    co_return result;
  }

 private:
  static std::string format_seconds(std::chrono::milliseconds d) {
    return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + "s"
                                 : std::to_string(d.count()) + "ms";
  }

  ExecSettings s_;
  std::chrono::milliseconds timeout_;
  Redactor redactor_;
};

// Besides the settings, the probe needs the check's timeout (to stop the plugin in time).
std::unique_ptr<Probe> make_exec_probe(ProbeSetup& setup) {
  auto settings = parse_exec_settings(setup);
  if (!settings) return nullptr;
  return std::make_unique<ExecProbe>(std::move(*settings), setup.timeout);
}

}  // namespace

CAMPUS_REGISTER_PROBE("exec", make_exec_probe,
                      .measurements = {
                          {"plugin_perfdata",
                           "A plugin's performance data, in base units (seconds, bytes)"},
                          {"plugin_exit_code",
                           "Exit status of the plugin (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)"}});

}  // namespace campus
