#pragma once
// Running one external check program: argv without a shell, an explicit environment, its own
// process group, output read on the io_context without blocking it, a deadline after which the
// whole group gets SIGTERM and then SIGKILL, and the child always reaped (pidfd, no SIGCHLD
// handler, no zombie).

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "probe/probe.h"

namespace campus {

struct ProcessSpec {
  std::string command;                   ///< absolute path
  std::vector<std::string> args;         ///< argv[1..]
  std::vector<std::string> environment;  ///< NAME=value, the whole environment
  std::optional<std::string> directory;  ///< working directory
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds kill_grace{1000};  ///< SIGTERM to SIGKILL
  std::size_t max_output = 64 * 1024;
};

struct ProcessResult {
  std::string spawn_error;  ///< set when the program could not be started
  int exit_code = -1;       ///< when it exited
  int signal = 0;           ///< when a signal ended it
  bool timed_out = false;
  std::string output;  ///< stdout, capped
  std::string errors;  ///< stderr, capped to 4 KiB
  bool truncated = false;
  std::chrono::duration<double> elapsed{0};
};

boost::asio::awaitable<ProcessResult> run_process(ProbeContext& ctx, const ProcessSpec& spec);

}  // namespace campus
