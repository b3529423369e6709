// hello: the smallest probe type, the template a new probe folder starts from. It passes when
// the target greets with the configured word, and reports how long the greeting is.

#include <memory>
#include <optional>
#include <string>

#include "core/yaml_reader.h"
#include "probe/registry.h"

namespace campus {
namespace {

struct HelloSettings {
  std::string target;
  std::string greeting = "hello";
};

std::optional<HelloSettings> parse_hello_settings(ProbeSetup& setup) {
  HelloSettings s;
  s.target = setup.target;
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    if (auto v = r.get("greeting")) s.greeting = v->text().value_or(s.greeting);
  });
  if (!ok) return std::nullopt;
  return s;
}

class HelloProbe final : public Probe {
 public:
  explicit HelloProbe(HelloSettings settings) : s_(std::move(settings)) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    ctx.log.add("greeting ", s_.target);
    ProbeResult result = s_.target.find(s_.greeting) != std::string::npos
                             ? ProbeResult::pass(s_.target + " greets")
                             : ProbeResult::fail(FailureKind::bad_content,
                                                 "no '" + s_.greeting + "' in " + s_.target);
    result.measurements.push_back({"hello_greeting_bytes", double(s_.greeting.size())});
    co_return result;
  }

 private:
  HelloSettings s_;
};

}  // namespace

CAMPUS_REGISTER_PROBE("hello", probe_from_settings<HelloProbe>(parse_hello_settings),
                      .measurements = {{"hello_greeting_bytes", "Bytes of the expected greeting"}});

}  // namespace campus
