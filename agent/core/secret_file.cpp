#include "core/secret_file.h"

#include <cstdio>
#include <sys/stat.h>

namespace campus {

namespace fs = std::filesystem;

// As with the evidence key, such a file is refused, not merely warned about: a warning scrolls
// by in a journal while the password stays readable.
std::optional<std::string> exposed_secret_file(const fs::path& p) {
  std::error_code ec;
  const fs::path real = fs::canonical(p, ec);  // the file a symlink leads to, with its parents
  struct stat st {};
  if (ec || ::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  if ((st.st_mode & (S_IROTH | S_IWOTH)) == 0) return std::nullopt;
  for (fs::path dir = real.parent_path();; dir = dir.parent_path()) {
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) != 0 || (ds.st_mode & S_IXOTH) == 0) return std::nullopt;
    if (dir == dir.root_path() || dir.parent_path() == dir) break;
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
  const bool writable = st.st_mode & S_IWOTH;
  return "secret file " + p.string() + " is " + (writable ? "writable" : "readable") +
         " by other users (mode " + mode +
         "); chmod 600 it (or 640 with a dedicated group), or keep it in a directory they "
         "cannot enter";
}

}  // namespace campus
