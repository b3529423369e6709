#include "support.h"

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <curl/curl.h>
#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "core/logger.h"
#include "core/worker_pool.h"
#include "net/curl_driver.h"
#include "net/curl_handles.h"
#include "probe/registry.h"
#include "runtime/check_plan.h"

extern char** environ;

namespace campus::test {

const std::map<std::string, std::string>& servers() {
  static const std::map<std::string, std::string> values = [] {
    std::map<std::string, std::string> out;
    std::ifstream in(CAMPUS_SERVERS_ENV);
    if (!in)
      throw std::runtime_error("no " CAMPUS_SERVERS_ENV ": start tests/servers/start-all.sh");
    std::string line;
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
  }();
  return values;
}

std::string server(const std::string& key) {
  auto it = servers().find(key);
  REQUIRE_MESSAGE(it != servers().end(), "servers.env has no " << key);
  return it->second;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "campus-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::file(const std::string& name, const std::string& content) const {
  const std::string p = path_ + "/" + name;
  std::ofstream(p) << content;
  return p;
}

Process::Process(std::vector<std::string> argv, const std::string& output_file)
    : output_file_(output_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

Process::~Process() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
  }
}

void Process::signal(int sig) {
  ::kill(pid_, sig);
}

int Process::wait(std::chrono::milliseconds limit) {
  if (status_) return *status_;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int raw = 0;
    if (waitpid(pid_, &raw, WNOHANG) == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
      return *status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string Process::output() const {
  std::ifstream in(output_file_);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {
size_t append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}
}  // namespace

HttpReply http_request(const std::string& url, const std::string& method,
                       std::chrono::milliseconds timeout, const std::string& body) {
  HttpReply reply;
  CurlEasy easy = make_curl_easy();
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, long(timeout.count()));
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  if (!body.empty()) {
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE, long(body.size()));
  }
  const auto start = std::chrono::steady_clock::now();
  if (curl_easy_perform(easy.get()) == CURLE_OK) {
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  }
  reply.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return reply;
}

int connect_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(std::uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  return ntohs(addr.sin_port);
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

RunRecord run_check(const std::string& config_yaml, const std::string& id) {
  static const Catalog catalog = Catalog::builtin();
  static const ProbeRegistry probes = ProbeRegistry::builtin();
  Diagnostics diagnostics;
  auto plan = load_plan_text("test.yaml", config_yaml, {catalog}, probes, diagnostics);
  REQUIRE_MESSAGE(plan.has_value(), diagnostics.str());
  const auto* found = plan->find(id);
  REQUIRE_MESSAGE(found, "no check " << id);
  const std::shared_ptr<const Check> check = *found;
  boost::asio::io_context io;
  std::optional<RunRecord> record;
  {
    CurlDriver curl(io);
    WorkerPool workers(1, 8);
    Logger log(LogLevel::error, LogFormat::text, [](std::string_view) {});
    CheckRunner runner(io, curl, workers, log);
    runner.sessions().set_sessions(plan->sessions);
    runner.start(check, [&](RunRecord r) { record = std::move(r); });
    io.run();
  }
  REQUIRE(record.has_value());
  return *record;
}

std::optional<double> metric_value(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

double metric(const std::string& base, const std::string& series) {
  return metric_value(http_request(base + "/metrics").body, series).value_or(0);
}

}  // namespace campus::test
