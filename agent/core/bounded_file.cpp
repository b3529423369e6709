#include "core/bounded_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace campus {
namespace {

class OpenFile {
 public:
  explicit OpenFile(int fd) : fd_(fd) {}
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string describe_bytes(std::size_t bytes) {
  constexpr std::size_t kib = 1024;
  if (bytes >= kib * kib && bytes % (kib * kib) == 0)
    return std::to_string(bytes / (kib * kib)) + " MiB";
  if (bytes >= kib && bytes % kib == 0) return std::to_string(bytes / kib) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::optional<std::string> read_bounded_file(const std::filesystem::path& path,
                                             std::size_t max_bytes, FileReadProblem& problem,
                                             FileKinds kinds) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. It has no effect
  // on reading a regular file, the only kind then read below.
  const int flags =
      O_RDONLY | O_CLOEXEC | O_NOCTTY | (kinds == FileKinds::regular ? O_NONBLOCK : 0);
  const OpenFile file(::open(path.c_str(), flags));
  if (file.get() < 0) {
    problem = {FileReadProblem::Kind::unreadable,
               std::string("cannot be read (") + std::strerror(errno) + ")"};
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) {
    problem = {FileReadProblem::Kind::unreadable,
               std::string("cannot be read (") + std::strerror(errno) + ")"};
    return std::nullopt;
  }
  const bool regular = S_ISREG(st.st_mode);
  if (!regular && kinds == FileKinds::regular) {
    problem = {FileReadProblem::Kind::not_regular, "is not a regular file"};
    return std::nullopt;
  }
  if (regular && std::size_t(st.st_size) > max_bytes) {
    problem = {FileReadProblem::Kind::too_large, "is larger than " + describe_bytes(max_bytes)};
    return std::nullopt;
  }
  // The file may grow while it is read: read at most one byte more than allowed to notice.
  std::string content(std::min<std::size_t>(regular ? std::size_t(st.st_size) : 0, max_bytes) + 1,
                      '\0');
  std::size_t have = 0;
  while (true) {
    if (have == content.size()) {
      if (content.size() > max_bytes) break;
      content.resize(std::min(content.size() * 2, max_bytes + 1));
    }
    const ssize_t n = ::read(file.get(), content.data() + have, content.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      problem = {FileReadProblem::Kind::unreadable,
                 std::string("cannot be read (") + std::strerror(errno) + ")"};
      return std::nullopt;
    }
    if (n == 0) break;
    have += std::size_t(n);
  }
  if (have > max_bytes) {
    problem = {FileReadProblem::Kind::too_large, "is larger than " + describe_bytes(max_bytes)};
    return std::nullopt;
  }
  content.resize(have);
  return content;
}

}  // namespace campus
