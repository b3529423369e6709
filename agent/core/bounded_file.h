#pragma once
// Reading a file the config names (a secret, a key, the config itself) whole, with a bound: a
// path that names /dev/zero, a FIFO or a log file by mistake must give a clear error, not hang
// the agent or fill its memory.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace campus {

/// Secret and key files (a password, a token, an HMAC or PEM key) are bytes, not streams: a
/// bigger one is a wrong path (a log, /dev/zero), refused before it can fill memory.
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

/// Why read_bounded_file() gave nothing.
struct FileReadProblem {
  enum class Kind { unreadable, not_regular, too_large };
  Kind kind = Kind::unreadable;
  /// Without the path, to follow it: "is not a regular file", "is larger than 64 KiB",
  /// "cannot be read (No such file or directory)".
  std::string text;
};

/// What read_bounded_file() accepts.
enum class FileKinds {
  /// Only a regular file; never blocks on a FIFO or a device.
  regular,
  /// Also a pipe or a device (`--config <(generate)`), read until its end or the bound.
  any,
};

/// The whole content of the file at `path` when it holds at most `max_bytes`; otherwise nullopt
/// with `problem` set.
std::optional<std::string> read_bounded_file(const std::filesystem::path& path,
                                             std::size_t max_bytes, FileReadProblem& problem,
                                             FileKinds kinds = FileKinds::regular);

/// `bytes` in the unit the limits are written in ("64 KiB", "16 MiB", "100 bytes").
std::string describe_bytes(std::size_t bytes);

}  // namespace campus
