#include "evidence_support.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace campus::test {

std::string all_evidence(const std::string& dir) {
  std::string text;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    // The head file repeats the last record's seq and hash; the records are in the segments.
    const auto name = entry.path().filename().string();
    if (name == "head" || name == "head.tmp") continue;
    std::ifstream in(entry.path());
    std::stringstream s;
    s << in.rdbuf();
    text += s.str();
  }
  return text;
}

int run_to_end(std::vector<std::string> argv, const TempDir& dir, const std::string& name,
               std::string* output) {
  Process p(std::move(argv), dir.path() + "/" + name);
  const int code = p.wait(std::chrono::seconds(60));
  if (output) *output = p.output();
  return code;
}

EvidenceAgent::EvidenceAgent(const TempDir& dir, const std::string& agent, const std::string& rest,
                             const std::string& evidence_extra)
    : port(free_port()),
      base("http://127.0.0.1:" + std::to_string(port)),
      evidence(dir.path() + "/evidence"),
      process({CAMPUS_PROBE_BIN, "run", "--config",
               dir.file("campus.yaml", "agent: {listen: 127.0.0.1:" + std::to_string(port) + ", " +
                                           agent + "}\nevidence: {dir: " + evidence +
                                           (evidence_extra.empty() ? "" : ", " + evidence_extra) +
                                           "}\n" + rest)},
              dir.path() + "/agent.log") {}

}  // namespace campus::test
