#pragma once
// The rule every secret file follows (passwords, keys, the listener's web config): a file other
// users can reach is refused, not merely warned about.

#include <filesystem>
#include <optional>
#include <string>

namespace campus {

/// Why the secret file at `path` may not be used, or nothing: other users can read (or rewrite)
/// it. A file is refused only when other users can actually reach it: a 0644 file inside a
/// directory they cannot enter (the package's /etc/campus-probe is 0750) exposes nothing.
/// A missing or unreadable file yields nothing: reading it reports that.
std::optional<std::string> exposed_secret_file(const std::filesystem::path& path);

}  // namespace campus
