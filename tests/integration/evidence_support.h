#pragma once
// Helpers for tests of the evidence log: an agent writing evidence, and the log's whole text.

#include <string>
#include <vector>

#include "support.h"

namespace campus::test {

/// The text of every file in the evidence directory `dir` but its head file.
std::string all_evidence(const std::string& dir);

/// Runs `argv` to its end (at most a minute), its output in DIR/NAME; returns its exit status.
int run_to_end(std::vector<std::string> argv, const TempDir& dir, const std::string& name,
               std::string* output = nullptr);

/// An agent on a free port writing its evidence to DIR/evidence: `agent` is added to its agent
/// section, `evidence` to its evidence section, `rest` (checks, waivers, ...) follows.
struct EvidenceAgent {
  EvidenceAgent(const TempDir& dir, const std::string& agent, const std::string& rest,
                const std::string& evidence_extra = "");
  int port;
  std::string base;
  std::string evidence;
  Process process;
};

}  // namespace campus::test
