#include "fault_support.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/mount.h>
#include <unistd.h>
#include <vector>

namespace campus::test {

namespace fs = std::filesystem;

Tmpfs::Tmpfs(std::string dir, const std::string& size) : path(std::move(dir)) {
  fs::create_directories(path);
  const std::string options = "size=" + size + ",mode=0755";
  mounted = ::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0;
  if (!mounted) why = std::strerror(errno);
}

Tmpfs::~Tmpfs() {
  if (mounted) ::umount2(path.c_str(), MNT_DETACH);
}

std::uint64_t fill_disk(const std::string& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  std::uint64_t total = 0;
  static const char zeros[4096] = {};
  // Whole pages first, then byte by byte into the last one: tmpfs counts pages.
  for (std::size_t chunk : {sizeof zeros, std::size_t(1)}) {
    for (;;) {
      const ssize_t n = ::write(fd, zeros, chunk);
      if (n <= 0) break;
      total += std::uint64_t(n);
    }
  }
  ::close(fd);
  return total;
}

namespace {
std::vector<std::string> segment_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".jsonl") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

std::uint64_t evidence_lines(const std::string& dir) {
  std::uint64_t lines = 0;
  for (const auto& file : segment_files(dir)) {
    const std::string text = file_text(file);
    lines += std::uint64_t(std::count(text.begin(), text.end(), '\n'));
  }
  return lines;
}

std::string last_segment(const std::string& dir) {
  const auto files = segment_files(dir);
  return files.empty() ? std::string() : files.back();
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double registry_metric(prometheus::Registry& registry, const std::string& name) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name || family.metric.empty()) continue;
    const auto& m = family.metric.front();
    return family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
  }
  return -1;
}

}  // namespace campus::test
