#include "cli/web_command.h"

#include <iostream>
#include <string>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "core/bcrypt.h"
#include "core/hash.h"

namespace campus {
namespace {

// Turns the terminal's echo off while it lives, when `in` is the process's terminal.
class NoEcho {
 public:
  NoEcho(std::istream& in, std::ostream& err, const char* prompt) {
    if (&in != &std::cin || !isatty(STDIN_FILENO)) return;
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    err << prompt << std::flush;
    err_ = &err;
  }
  ~NoEcho() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    if (err_) *err_ << '\n';
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
  std::ostream* err_ = nullptr;
};

// One line without its line ending; nullopt-like empty result when nothing was read.
std::string read_secret_line(std::istream& in, std::ostream& err, const char* prompt) {
  const NoEcho no_echo(in, err, prompt);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.pop_back();
  return line;
}

}  // namespace

int web_hash_password(std::istream& in, int cost, std::ostream& out, std::ostream& err) {
  std::string password = read_secret_line(in, err, "Password: ");
  if (password.empty()) {
    err << "campus-probe: no password on standard input\n";
    return kExitUsage;
  }
  const auto hash = bcrypt_hash(password, cost);
  OPENSSL_cleanse(password.data(), password.size());
  if (!hash) {
    err << "campus-probe: could not hash the password (cost must be 4 to 31)\n";
    return kExitUsage;
  }
  out << *hash << '\n';
  return kExitOk;
}

int web_hash_token(std::istream& in, std::ostream& out, std::ostream& err) {
  std::string token = read_secret_line(in, err, "Token: ");
  if (token.empty()) {
    err << "campus-probe: no token on standard input\n";
    return kExitUsage;
  }
  out << sha256_hex(token) << '\n';
  OPENSSL_cleanse(token.data(), token.size());
  return kExitOk;
}

}  // namespace campus
