#include "recipe_support.h"

#include <doctest/doctest.h>

namespace campus::test {

void sim_control(const std::string& port_key, const std::string& json) {
  const auto reply = http_request("http://127.0.0.1:" + server(port_key) + "/__control", "POST",
                                  std::chrono::seconds(5), json);
  REQUIRE_MESSAGE(reply.status == 200, reply.body);
}

std::string product_sim_url(const std::string& name) {
  return "\"http://127.0.0.1:" + server("SIM_" + name + "_PORT") + "\"";
}

void SecretFiles::add(const std::string& name, const std::string& user, const std::string& kind,
                      const std::string& value) {
  const std::string file = dir_.file(name + ".secret", value);
  secrets_ +=
      "  " + name + ": {" + (user.empty() ? "" : user + ", ") + kind + "_file: " + file + "}\n";
}

RunRecord SecretFiles::run(const std::string& recipe, const std::string& with) const {
  return run_check(secrets_ + "checks:\n  - id: t\n    recipe: " + recipe +
                       "\n    timeout: 20s\n    interval: 60s\n    with: " + with + "\n",
                   "t");
}

void expect_run(const RunRecord& r, Verdict verdict, const std::string& reason_part,
                std::optional<FailureKind> kind) {
  INFO(r.check->id << ": " << r.result.reason);
  CHECK(r.result.verdict == verdict);
  if (!reason_part.empty()) CHECK(r.result.reason.find(reason_part) != std::string::npos);
  if (kind) CHECK(r.result.kind == *kind);
}

}  // namespace campus::test
