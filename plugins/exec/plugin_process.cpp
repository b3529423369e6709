#include "plugin_process.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace campus {
namespace {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;

struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
};

// Everything one run shares between its asynchronous parts; lives until the last handler ran.
struct Run : std::enable_shared_from_this<Run> {
  Run(asio::any_io_executor ex, const ProcessSpec& s)
      : spec(s), out(ex), err(ex), pidfd(ex), term_timer(ex), kill_timer(ex), drain_timer(ex) {}

  const ProcessSpec spec;  // a copy: handlers may run after the probe that started it is gone
  pid_t pid = -1;
  Descriptor out;
  Descriptor err;
  Descriptor pidfd;
  asio::steady_timer term_timer;
  asio::steady_timer kill_timer;
  asio::steady_timer drain_timer;
  std::array<char, 16384> buffer{};
  std::array<char, 4096> err_buffer{};
  ProcessResult result;
  bool out_done = false;
  bool err_done = false;
  bool exited = false;
  std::function<void()> on_done;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  void signal_group(int sig) {
    if (pid > 0) ::kill(-pid, sig);
  }

  void read_out() {
    out.async_read_some(asio::buffer(buffer), [self = shared_from_this()](auto ec, std::size_t n) {
      if (ec) {
        self->out_done = true;
        return self->maybe_finish();
      }
      // Past the cap the output is read and dropped, so the plugin never blocks on a full pipe.
      const std::size_t room =
          self->spec.max_output - std::min(self->spec.max_output, self->result.output.size());
      self->result.output.append(self->buffer.data(), std::min(n, room));
      if (n > room) self->result.truncated = true;
      self->read_out();
    });
  }

  void read_err() {
    err.async_read_some(
        asio::buffer(err_buffer), [self = shared_from_this()](auto ec, std::size_t n) {
          if (ec) {
            self->err_done = true;
            return self->maybe_finish();
          }
          const std::size_t room = 4096 - std::min<std::size_t>(4096, self->result.errors.size());
          self->result.errors.append(self->err_buffer.data(), std::min(n, room));
          self->read_err();
        });
  }

  void wait_exit() {
    pidfd.async_wait(Descriptor::wait_read, [self = shared_from_this()](auto ec) {
      if (ec) return;  // closed on shutdown
      // The leader has exited but is not reaped yet, so its process group id cannot have been
      // reused: kill whatever it left running (a forked child holding the pipe open).
      self->signal_group(SIGKILL);
      self->exited = true;
      // A descendant that left the group (setsid) may hold the pipes open: stop reading soon.
      self->drain_timer.expires_after(std::chrono::milliseconds(500));
      self->drain_timer.async_wait([self](auto ec2) {
        if (ec2) return;
        boost::system::error_code ignored;
        self->out.cancel(ignored);
        self->err.cancel(ignored);
      });
      self->maybe_finish();
    });
  }

  void arm_deadline() {
    term_timer.expires_at(spec.deadline);
    term_timer.async_wait([self = shared_from_this()](auto ec) {
      if (ec || self->exited) return;
      self->result.timed_out = true;
      self->signal_group(SIGTERM);
      self->kill_timer.expires_after(self->spec.kill_grace);
      self->kill_timer.async_wait([self](auto ec2) {
        if (!ec2 && !self->exited) self->signal_group(SIGKILL);
      });
    });
  }

  void maybe_finish() {
    if (!exited || !out_done || !err_done || !on_done) return;
    term_timer.cancel();
    kill_timer.cancel();
    drain_timer.cancel();
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    result.elapsed = std::chrono::steady_clock::now() - started;
    auto done = std::move(on_done);
    on_done = nullptr;
    done();
  }
};

// Completes when the process has exited and its output is read. A plain function, not part of
// the coroutine: GCC 12 destroys a lambda temporary inside a co_await expression twice.
asio::awaitable<ProcessResult> finished(const std::shared_ptr<Run>& run) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(ProcessResult)>(
      [run](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        run->on_done = [run, shared] { (*shared)(std::move(run->result)); };
        run->read_out();
        run->read_err();
        run->wait_exit();
        run->arm_deadline();
      },
      asio::use_awaitable);
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

asio::awaitable<ProcessResult> run_process(ProbeContext& ctx, const ProcessSpec& spec) {
  auto run = std::make_shared<Run>(ctx.executor, spec);
  Pipe out_pipe;
  Pipe err_pipe;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  out_pipe.read = fds[0];
  out_pipe.write = fds[1];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  err_pipe.read = fds[0];
  err_pipe.write = fds[1];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe.write, 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe.write, 2);
  if (spec.directory) posix_spawn_file_actions_addchdir_np(&actions, spec.directory->c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);  // a plugin gets default signal handling
  posix_spawnattr_setpgroup(&attr, 0);         // its own process group, to kill it whole
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> argv_strings{spec.command};
  argv_strings.insert(argv_strings.end(), spec.args.begin(), spec.args.end());
  std::vector<std::string> env_strings = spec.environment;
  auto argv = c_strings(argv_strings);
  auto envp = c_strings(env_strings);
  pid_t pid = -1;
  const int rc =
      ::posix_spawn(&pid, spec.command.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    ProcessResult failed;
    failed.spawn_error = "cannot start " + spec.command + ": " + std::strerror(rc);
    co_return failed;
  }
  run->pid = pid;
  ::close(out_pipe.write);
  out_pipe.write = -1;
  ::close(err_pipe.write);
  err_pipe.write = -1;
  const int pidfd = int(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw std::system_error(errno, std::generic_category(), "pidfd_open");
  }
  run->pidfd.assign(pidfd);
  run->out.assign(out_pipe.read);
  out_pipe.read = -1;
  run->err.assign(err_pipe.read);
  err_pipe.read = -1;

  // A cancelled run (the agent stops, or the runner's hard deadline) kills the group at once;
  // the reaping still happens through the pidfd.
  auto scope = ctx.cancel.on_cancel([run] {
    run->result.timed_out = true;
    run->signal_group(SIGKILL);
  });
  co_return co_await finished(run);
}

}  // namespace campus
