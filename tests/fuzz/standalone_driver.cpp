// Runs a fuzz target without libFuzzer (GCC builds, CI): every file of the seed corpus, then a
// fixed number of deterministic mutations of them (bit flips, truncations, splices, random
// bytes). Built with clang and CAMPUS_LIBFUZZER=ON, the targets link libFuzzer instead.
//   <target> CORPUS_DIR [ITERATIONS]

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int run(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS]\n", argv[0]);
    return 2;
  }
  const long iterations = argc > 2 ? std::stol(argv[2]) : 2000000;
  std::vector<std::string> corpus;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    corpus.push_back(s.str());
    run(corpus.back());
  }
  if (corpus.empty()) corpus.emplace_back();
  std::mt19937_64 random(20261128);  // fixed seed: a failure reproduces
  for (long i = 0; i < iterations; ++i) {
    std::string input = corpus[random() % corpus.size()];
    const int mutations = 1 + int(random() % 4);
    for (int m = 0; m < mutations; ++m) {
      switch (random() % 5) {
        case 0:
          if (!input.empty()) input[random() % input.size()] ^= char(1 << (random() % 8));
          break;
        case 1:
          if (!input.empty()) input.resize(random() % input.size());
          break;
        case 2:
          input.insert(input.begin() + long(input.empty() ? 0 : random() % input.size()),
                       char(random() % 256));
          break;
        case 3: {
          const std::string& other = corpus[random() % corpus.size()];
          if (!other.empty()) input += other.substr(random() % other.size());
          break;
        }
        default:
          for (int k = 0; k < 8; ++k)
            input += char(random() % 256);
      }
    }
    run(input);
  }
  std::printf("%zu corpus files and %ld mutations ran without a crash\n", corpus.size(),
              iterations);
  return 0;
}
