#pragma once
// Helpers for integration tests: the shared servers' addresses, child processes, blocking HTTP
// requests to the agent under test, and running one check in-process.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "runtime/check_runner.h"

namespace campus::test {

/// KEY=VALUE pairs written by tests/servers/start-all.sh.
const std::map<std::string, std::string>& servers();
/// One value of servers(); fails the test if missing.
std::string server(const std::string& key);

/// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

/// A child process with stdout and stderr in a file; killed and reaped when destroyed.
class Process {
 public:
  Process(std::vector<std::string> argv, const std::string& output_file);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  /// Waits up to `limit` for the process to exit; returns its exit status (or -1 on timeout,
  /// 128+N when killed by signal N).
  int wait(std::chrono::milliseconds limit);
  std::string output() const;

 private:
  pid_t pid_ = -1;
  std::string output_file_;
  std::optional<int> status_;
};

struct HttpReply {
  long status = 0;  ///< 0 when the request failed
  std::string body;
  double seconds = 0;
};
HttpReply http_request(const std::string& url, const std::string& method = "GET",
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       const std::string& body = "");

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();
/// A TCP connection to 127.0.0.1:port (a blocking socket the caller closes); -1 when refused.
int connect_loopback(int port);

/// Polls `done` every 50 ms until it holds or `limit` passes.
bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(15));

/// Loads `config_yaml` (checks only need ids, probes and targets) and runs check `id` once.
RunRecord run_check(const std::string& config_yaml, const std::string& id);

/// The value of the metric line that starts with `series` (exact name and labels), if present.
std::optional<double> metric_value(const std::string& exposition, const std::string& series);
/// The value of `series` on the agent at `base` now, 0 when absent.
double metric(const std::string& base, const std::string& series);

}  // namespace campus::test
