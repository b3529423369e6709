#include "runtime/native_plugins.h"

#include <algorithm>
#include <campus_probe/plugin.h>
#include <chrono>
#include <dlfcn.h>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "core/redactor.h"
#include "core/text_width.h"
#include "core/yaml_json.h"
#include "probe/blocking.h"

namespace campus {
namespace {

namespace fs = std::filesystem;

// A loaded library; dlclose()d when the last probe made from it is gone.
struct Library {
  std::string path;
  void* handle = nullptr;
  const campus_probe_plugin* descriptor = nullptr;
  ~Library() {
    if (handle) dlclose(handle);
  }
};

FailureKind kind_named(const std::string& name) {
  for (FailureKind k : all_failure_kinds()) {
    if (to_string(k) == name) return k;
  }
  return FailureKind::internal;
}

// What a plugin reported, copied out of its memory during report().
struct Reported {
  bool reported = false;
  int verdict = CAMPUS_PROBE_ERROR;
  std::string kind;
  std::string reason;
  std::string measurements;
  std::string evidence;
};

void on_report(void* context, const campus_probe_result* result) {
  auto* out = static_cast<Reported*>(context);
  if (!result || out->reported) return;
  out->reported = true;
  out->verdict = result->verdict;
  if (result->failure_kind) out->kind = result->failure_kind;
  if (result->reason) out->reason = result->reason;
  if (result->measurements_json) out->measurements = result->measurements_json;
  if (result->evidence_json) out->evidence = result->evidence_json;
}

bool valid_measurement_name(const std::string& name) {
  return !name.empty() && name.size() < 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

class NativeProbe final : public Probe {
 public:
  NativeProbe(std::shared_ptr<const Library> library, std::string type, std::string target,
              std::string params, std::vector<std::string> secrets)
      : library_(std::move(library)),
        type_(std::move(type)),
        target_(std::move(target)),
        params_(std::move(params)),
        redactor_(std::move(secrets)) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    // The plugin's deadline is a little before the run's, so that a well-behaved plugin still
    // reports its own reason for running out of time.
    const auto remaining = ctx.remaining();
    const auto margin =
        std::min<std::chrono::milliseconds>(std::chrono::milliseconds(500), remaining / 10);
    const auto deadline_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            (std::chrono::system_clock::now() + remaining - margin).time_since_epoch())
            .count();
    // The job holds the library: a late run may outlive this probe (a reload) and this run.
    const std::function<Reported()> work = [library = library_, type = type_, target = target_,
                                            params = params_, deadline_ms] {
      Reported reported;
      library->descriptor->run(type.c_str(), target.c_str(), params.c_str(), deadline_ms, &reported,
                               &on_report);
      return reported;
    };
    ctx.log.add("native plugin ", library_->descriptor->name ? library_->descriptor->name : "?",
                " runs ", type_, " on the worker pool");
    auto reported = co_await run_blocking<Reported>(ctx, work);
    if (!reported) co_return ProbeResult::fail(FailureKind::timeout, "plugin exceeded deadline");
    if (!reported->reported) {
      co_return ProbeResult::error("the plugin returned without reporting a result");
    }
    const std::string reason = redactor_.text(utf8_excerpt(reported->reason, 500));
    ProbeResult result = reported->verdict == CAMPUS_PROBE_PASS ? ProbeResult::pass(reason)
                         : reported->verdict == CAMPUS_PROBE_FAIL
                             ? ProbeResult::fail(kind_named(reported->kind), reason)
                             : ProbeResult::error(reason);
    if (!reported->measurements.empty()) {
      const auto m = parse_json_bounded(reported->measurements);
      if (m.is_object()) {
        for (const auto& [name, value] : m.items()) {
          if (value.is_number() && valid_measurement_name(name))
            result.measure(name, value.get<double>());
        }
      }
    }
    if (!reported->evidence.empty()) {
      const auto e = parse_json_bounded(reported->evidence);
      result.evidence =
          e.is_object()
              ? redactor_.json(e)
              : nlohmann::json{{"invalid_evidence", utf8_excerpt(reported->evidence, 200)}};
    }
    result.evidence["plugin"] = library_->descriptor->name ? library_->descriptor->name : "";
    co_return result;
  }

 private:
  std::shared_ptr<const Library> library_;
  std::string type_;
  std::string target_;
  std::string params_;
  Redactor redactor_;
};

ProbeFactory factory_for(std::shared_ptr<const Library> library, std::string type) {
  return [library = std::move(library),
          type = std::move(type)](ProbeSetup& setup) -> std::unique_ptr<Probe> {
    nlohmann::json params = setup.params ? yaml_to_json(*setup.params) : nlohmann::json::object();
    std::vector<std::string> secrets;
    // `credentials: SECRET` reaches the plugin as the secret's fields.
    if (setup.params && params.is_object() && params.contains("credentials") &&
        params["credentials"].is_string()) {
      auto reader = setup.params->map();
      auto value = reader.get("credentials");
      const SecretSet* set = value ? setup.secret_set(*value) : nullptr;
      if (!set) return nullptr;
      nlohmann::json fields = nlohmann::json::object();
      if (set->username) fields["username"] = *set->username;
      if (set->password)
        fields["password"] = set->password->value(), secrets.push_back(set->password->value());
      if (set->token) fields["token"] = set->token->value(), secrets.push_back(set->token->value());
      if (set->secret)
        fields["secret"] = set->secret->value(), secrets.push_back(set->secret->value());
      params["credentials"] = fields;
    }
    const std::string text = params.dump();
    char* error = library->descriptor->validate(type.c_str(), setup.target.c_str(), text.c_str());
    if (error) {
      const std::string message = error;
      library->descriptor->free_string(error);
      if (setup.params) {
        setup.params->error(message);
      } else {
        setup.target_value.error(message);
      }
      return nullptr;
    }
    return std::make_unique<NativeProbe>(library, type, setup.target, text, std::move(secrets));
  };
}

void load_one(const fs::path& path, ProbeRegistry& registry, const YamlValue& at) {
  auto library = std::make_shared<Library>();
  library->path = path.string();
  library->handle = dlopen(library->path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library->handle) {
    const char* why = dlerror();
    at.error("cannot load plugin " + library->path + ": " + (why ? why : "unknown error"));
    return;
  }
  auto entry = reinterpret_cast<campus_probe_plugin_entry_fn>(
      dlsym(library->handle, CAMPUS_PROBE_PLUGIN_ENTRY));
  if (!entry) {
    at.error("plugin " + library->path +
             " does not export " CAMPUS_PROBE_PLUGIN_ENTRY "() (not a campus-probe plugin?)");
    return;
  }
  const campus_probe_plugin* d = entry();
  if (!d) {
    at.error("plugin " + library->path + ": " CAMPUS_PROBE_PLUGIN_ENTRY "() returned nothing");
    return;
  }
  if (d->abi_version != CAMPUS_PROBE_ABI_VERSION) {
    at.error("plugin " + library->path + " was built for plugin ABI version " +
             std::to_string(d->abi_version) + ", this agent speaks version " +
             std::to_string(CAMPUS_PROBE_ABI_VERSION) +
             ": rebuild it against this agent's plugin.h");
    return;
  }
  if (!d->probe_types || !d->validate || !d->run || !d->free_string) {
    at.error("plugin " + library->path +
             ": its descriptor lacks probe_types, validate, run or free_string");
    return;
  }
  library->descriptor = d;
  for (const char* const* type = d->probe_types; *type; ++type) {
    if (!registry.add(*type, factory_for(library, *type))) {
      at.error(
          "plugin " + library->path + ": probe type '" + *type +
          "' is already provided (by a built-in probe or another plugin); it is not loaded twice");
    }
  }
}

}  // namespace

void load_native_plugins(const std::vector<std::string>& dirs, ProbeRegistry& registry,
                         const YamlValue& at) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      at.error("plugin directory " + dir + " does not exist");
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files)
      load_one(file, registry, at);
  }
}

}  // namespace campus
