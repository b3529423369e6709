#include "evidence/replica.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json_parse.h"
#include "evidence/line_reader.h"

namespace campus {
namespace {

namespace fs = std::filesystem;

constexpr const char* kReplicaState = "replica.json";

// A file descriptor closed when it goes out of scope.
class ReplicaFd {
 public:
  explicit ReplicaFd(int fd) : fd_(fd) {}
  ~ReplicaFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ReplicaFd(const ReplicaFd&) = delete;
  ReplicaFd& operator=(const ReplicaFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void replica_fail(const std::string& what) {
  throw EvidenceError(what + ": " + std::strerror(errno));
}

void replica_write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      replica_fail("cannot write " + path);
    }
    bytes.remove_prefix(std::size_t(n));
  }
}

// A rename (or a new file) is durable only once its directory is synced.
void sync_directory(const std::string& dir) {
  const ReplicaFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) replica_fail("cannot sync the directory " + dir);
}

// Replaces dir/name with `text` so that a reader (or a crash) sees the old file or the new one,
// never a part of either.
void replace_file(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string temp = dir + "/" + name + ".tmp";
  {
    const ReplicaFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
    if (fd.get() < 0) replica_fail("cannot create " + temp);
    replica_write_all(fd.get(), text, temp);
    if (::fdatasync(fd.get()) != 0) replica_fail("cannot sync " + temp);
  }
  if (::rename(temp.c_str(), (dir + "/" + name).c_str()) != 0)
    replica_fail("cannot replace " + dir + "/" + name);
  sync_directory(dir);
}

std::vector<std::string> replica_segments(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (is_segment_name(name)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

EvidenceReplica::EvidenceReplica(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw EvidenceError("cannot create " + dir_ + ": " + ec.message());
  const std::vector<std::string> segments = replica_segments(dir_);
  std::ifstream in(dir_ + "/" + kReplicaState, std::ios::binary);
  if (!in) {
    if (!segments.empty()) {
      throw EvidenceError(dir_ +
                          " holds evidence segments but no replica.json: it is not a copy that "
                          "`evidence pull` made (pull into an empty directory)");
    }
    return;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto state = parse_json_bounded(text);
  const auto tip =
      state.is_object() ? ChainTip::from_json(state.value("tip", nlohmann::json())) : std::nullopt;
  if (!tip || !state.contains("segment_bytes") || !state["segment_bytes"].is_number_unsigned()) {
    throw EvidenceError(dir_ + "/" + kReplicaState + " is damaged");
  }
  tip_ = *tip;
  segment_bytes_ = state["segment_bytes"].get<std::uint64_t>();
  source_ = state.value("source", "");
  site_ = state.value("site", "");
  // Roll back to the last commit: segments begun after it go, the last one is cut to its length.
  for (const auto& name : segments) {
    if (tip_.empty || name > tip_.segment) {
      if (::unlink((dir_ + "/" + name).c_str()) != 0) replica_fail("cannot remove " + name);
    }
  }
  if (tip_.empty) return;
  const std::string path = dir_ + "/" + tip_.segment;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || std::uint64_t(st.st_size) < segment_bytes_) {
    throw EvidenceError(
        path + " is shorter than " + kReplicaState + " says (" + std::to_string(segment_bytes_) +
        " bytes): the copy was damaged; run `campus-probe evidence verify " + dir_ + "`");
  }
  if (std::uint64_t(st.st_size) > segment_bytes_ && ::truncate(path.c_str(), off_t(segment_bytes_)))
    replica_fail("cannot cut " + path + " back to its last commit");
}

void EvidenceReplica::set_origin(std::string source, std::string site) {
  source_ = std::move(source);
  site_ = std::move(site);
  write_state();
  // For people and for `report`, which files each copy under its site.
  replace_file(dir_, "site", site_ + "\n");
}

void EvidenceReplica::append(const std::vector<ReplicaLine>& lines, const ChainTip& tip) {
  // Group consecutive lines by segment: at most a seal and an open record cross a boundary.
  std::string current;
  std::string buffer;
  std::uint64_t bytes = segment_bytes_;
  bool created = false;
  const auto flush = [&] {
    if (current.empty()) return;
    const std::string path = dir_ + "/" + current;
    const ReplicaFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (fd.get() < 0) replica_fail("cannot open " + path);
    replica_write_all(fd.get(), buffer, path);
    if (::fdatasync(fd.get()) != 0) replica_fail("cannot sync " + path);
    buffer.clear();
  };
  std::string last_segment = tip_.segment;
  for (const auto& line : lines) {
    if (line.segment != current) {
      flush();
      current = line.segment;
      if (current != last_segment) {
        created = true;
        bytes = 0;
        last_segment = current;
      }
    }
    buffer += line.text;
    buffer += '\n';
    bytes += line.text.size() + 1;
  }
  flush();
  if (created) sync_directory(dir_);
  tip_ = tip;
  segment_bytes_ = bytes;
  write_state();
  // The head file, as the agent keeps it: `evidence verify` then also catches records cut from
  // the end of the copy.
  if (!tip_.empty) {
    replace_file(
        dir_, "head",
        nlohmann::json{{"seq", tip_.seq}, {"hash", tip_.hash}, {"segment", tip_.segment}}.dump() +
            "\n");
  }
}

void EvidenceReplica::write_state() {
  replace_file(dir_, kReplicaState,
               nlohmann::json{{"tip", tip_.to_json()},
                              {"segment_bytes", segment_bytes_},
                              {"source", source_},
                              {"site", site_}}
                       .dump(2) +
                   "\n");
}

std::optional<std::string> EvidenceReplica::hash_at(std::uint64_t seq) const {
  if (tip_.empty || seq < tip_.first_seq || seq > tip_.seq) return std::nullopt;
  // The segment whose first record is the last one at or before seq.
  std::string chosen;
  for (const auto& name : replica_segments(dir_)) {
    std::ifstream in(dir_ + "/" + name, std::ios::binary);
    std::string first;
    std::getline(in, first);
    const auto first_seq = evidence_line_seq(first);
    if (!first_seq || *first_seq > seq) break;
    chosen = name;
  }
  if (chosen.empty()) return std::nullopt;
  std::ifstream in(dir_ + "/" + chosen, std::ios::binary);
  for (std::string line; std::getline(in, line);) {
    const auto record = parse_json_bounded(line);
    if (!record.is_object() || record.value("seq", std::uint64_t(0)) != seq) continue;
    return record.value("hash", "");
  }
  return std::nullopt;
}

std::uint64_t first_divergent_seq(
    std::uint64_t low, std::uint64_t high,
    const std::function<std::optional<std::string>(std::uint64_t)>& ours,
    const std::function<std::optional<std::string>(std::uint64_t)>& theirs) {
  const auto same = [&](std::uint64_t seq) {
    const auto a = ours(seq);
    const auto b = theirs(seq);
    return a && b && *a == *b;
  };
  if (low >= high || !same(low)) return low;
  // Invariant: the chains agree at `low` and differ at `high`.
  while (high - low > 1) {
    const std::uint64_t middle = low + (high - low) / 2;
    if (same(middle)) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return high;
}

}  // namespace campus
