#pragma once
// Helpers for fault tests: a small tmpfs to fill, a file that fills it, and what an evidence
// directory holds on disk.

#include <cstdint>
#include <string>

#include <prometheus/registry.h>

namespace campus::test {

/// A tmpfs of `size` mounted at `dir` (created) and unmounted at the end. Needs CAP_SYS_ADMIN
/// (root in CI); `mounted` says whether it worked and `why` why not.
struct Tmpfs {
  Tmpfs(std::string dir, const std::string& size);
  ~Tmpfs();
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
  std::string path;
  bool mounted = false;
  std::string why;
};

/// Writes zeros to `file` until its file system is full to the last byte; returns how many.
std::uint64_t fill_disk(const std::string& file);

/// Lines (records) in every evidence segment of `dir`.
std::uint64_t evidence_lines(const std::string& dir);
/// The last segment of `dir` (full path), "" when there is none.
std::string last_segment(const std::string& dir);
/// The whole content of a file.
std::string file_text(const std::string& path);

/// The value of the metric `name` (without labels) in an in-process registry; -1 when absent.
double registry_metric(prometheus::Registry& registry, const std::string& name);

}  // namespace campus::test
