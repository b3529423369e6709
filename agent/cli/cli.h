#pragma once
// The `campus-probe` command line: one binary, one verb per job.

#include <ostream>

namespace campus {

/// Exit codes shared by every verb.
enum ExitCode : int { kExitOk = 0, kExitCheckFailed = 1, kExitUsage = 2 };

/// Parses the command line and runs the chosen verb. Never calls exit(); returns the exit code.
int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace campus
