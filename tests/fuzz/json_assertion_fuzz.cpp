// Fuzz target: JSON conditions ("/status == ok") and the responses they are checked against.
// The first line is the condition as a config writes it, the rest the response body as a target
// sends it; the body is parsed the way the http and scenario probes parse it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_assertion.h"
#include "core/json_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string condition = input.substr(0, newline);
  const std::string body = newline == std::string::npos ? std::string() : input.substr(newline + 1);
  std::string error;
  const auto assertion = campus::JsonAssertion::parse(condition, error);
  const auto document = nlohmann::json::parse(body, nullptr, false);
  const auto bounded = campus::parse_json_bounded(body);
  if (assertion) {
    // A fixed present, so that `age` gives the same verdict every run.
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1795849200));
    (void)assertion->check(document, now);
    if (!bounded.is_discarded()) (void)assertion->check(bounded, now);
    (void)assertion->text();
  }
  return 0;
}
