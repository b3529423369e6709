// Files the config names are read whole, with a bound: /dev/zero, a FIFO or a log named by
// mistake gives an error naming the file and the key, never a hang or a full memory.

#include "core/bounded_file.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "evidence/evidence_log.h"
#include "evidence/signing.h"

using namespace campus;
namespace fs = std::filesystem;

namespace {

// A private temporary directory, removed at the end.
struct PrivateDir {
  fs::path path;
  PrivateDir() {
    std::string pattern = (fs::temp_directory_path() / "campus-bounded-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~PrivateDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;

  fs::path file(const std::string& name, const std::string& content) const {
    const fs::path p = path / name;
    std::ofstream(p, std::ios::binary) << content;
    fs::permissions(p, fs::perms(0600));
    return p;
  }
  fs::path fifo(const std::string& name) const {
    const fs::path p = path / name;
    REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
    return p;
  }
};

// The errors of loading `text` as campus.yaml, or "" when it loads.
std::string bounded_config_errors(const std::string& text) {
  const Catalog catalog = Catalog::builtin();
  Diagnostics d;
  const ConfigLoadOptions options{
      catalog, [](const std::string&) -> std::optional<std::string> { return std::nullopt; }};
  const auto loaded = load_config_text("campus.yaml", text, options, d);
  return loaded && d.str().empty() ? "" : d.str();
}

const std::string kBoundedCheck = "checks:\n  - {id: a, probe: tcp, target: \"127.0.0.1:1\"}\n";

}  // namespace

TEST_CASE("bounded file: a small regular file is read whole") {
  const PrivateDir dir;
  FileReadProblem problem;
  CHECK(read_bounded_file(dir.file("a", "hunter2\n"), 64, problem) == "hunter2\n");
  CHECK(read_bounded_file(dir.file("empty", ""), 64, problem) == "");
  CHECK(read_bounded_file(dir.file("exact", std::string(64, 'x')), 64, problem)->size() == 64);
}

TEST_CASE("bounded file: too large, not regular and missing files are refused with the reason") {
  const PrivateDir dir;
  FileReadProblem problem;
  CHECK_FALSE(read_bounded_file(dir.file("big", std::string(65, 'x')), 64, problem));
  CHECK(problem.kind == FileReadProblem::Kind::too_large);
  CHECK(problem.text == "is larger than 64 bytes");
  CHECK_FALSE(read_bounded_file("/dev/zero", kMaxSecretFileBytes, problem));
  CHECK(problem.kind == FileReadProblem::Kind::not_regular);
  CHECK(problem.text == "is not a regular file");
  // A FIFO nobody writes to: refused at once, not waited on.
  CHECK_FALSE(read_bounded_file(dir.fifo("pipe"), kMaxSecretFileBytes, problem));
  CHECK(problem.text == "is not a regular file");
  CHECK_FALSE(read_bounded_file(dir.path / "missing", 64, problem));
  CHECK(problem.kind == FileReadProblem::Kind::unreadable);
  CHECK(problem.text == "cannot be read (No such file or directory)");
  // A device read as a stream stops at the bound.
  CHECK_FALSE(read_bounded_file("/dev/zero", 1 << 20, problem, FileKinds::any));
  CHECK(problem.text == "is larger than 1 MiB");
}

TEST_CASE("a secret file that is /dev/zero, a FIFO or over 64 KiB is a config error") {
  const PrivateDir dir;
  const std::string fifo = dir.fifo("pw").string();
  const std::string big = dir.file("big.pass", std::string(65 * 1024, 'x')).string();
  CHECK(bounded_config_errors("secrets:\n  t: {password_file: /dev/zero}\n" + kBoundedCheck) ==
        "campus.yaml:2:22: secrets.t.password_file: secret file /dev/zero is not a regular "
        "file\n");
  CHECK(bounded_config_errors("secrets:\n  t: {password_file: " + fifo + "}\n" + kBoundedCheck) ==
        "campus.yaml:2:22: secrets.t.password_file: secret file " + fifo +
            " is not a regular file\n");
  CHECK(bounded_config_errors("secrets:\n  t: {token_file: " + big + "}\n" + kBoundedCheck) ==
        "campus.yaml:2:19: secrets.t.token_file: secret file " + big + " is larger than 64 KiB\n");
  CHECK(bounded_config_errors(
            "secrets:\n  t: {password_file: " + dir.file("ok.pass", "s3cret\n").string() + "}\n" +
            kBoundedCheck) == "");
}

TEST_CASE("evidence key files and the config file itself are read with a bound") {
  const PrivateDir dir;
  const std::string fifo = dir.fifo("key").string();
  CHECK(bounded_config_errors("evidence: {dir: " + dir.path.string() + "/ev, key_file: " + fifo +
                              "}\n" + kBoundedCheck)
            .find("evidence.key_file: " + fifo + " is not a regular file") != std::string::npos);
  CHECK(bounded_config_errors("evidence: {dir: " + dir.path.string() +
                              "/ev, signing_key_file: /dev/zero}\n" + kBoundedCheck)
            .find("evidence.signing_key_file: /dev/zero is not a regular file") !=
        std::string::npos);
  CHECK_THROWS_WITH(load_evidence_key(fifo),
                    ("evidence key file " + fifo + " is not a regular file").c_str());
  const std::string big = dir.file("big.key", std::string(70 * 1024, 'k')).string();
  CHECK_THROWS_WITH(load_evidence_key(big),
                    ("evidence key file " + big + " is larger than 64 KiB").c_str());
  CHECK_THROWS_WITH(SigningKey::load(fifo), (fifo + " is not a regular file").c_str());

  const Catalog catalog = Catalog::builtin();
  const ConfigLoadOptions options{catalog};
  Diagnostics d;
  CHECK_FALSE(load_config_file("/dev/zero", options, d));
  CHECK(d.str() == "/dev/zero: the config file is larger than 16 MiB\n");
}
