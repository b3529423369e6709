#pragma once
// The campus config: one YAML (or JSON) file naming the agent's settings, the secrets, and the
// checks with the indicators each one proves. See configs/campus.example.yaml.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "config/secrets.h"
#include "core/diagnostic.h"
#include "core/duration.h"
#include "probe/probe.h"

namespace campus {

class ProbeRegistry;

struct AgentSettings {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 9877;
  int concurrency = 64;  ///< runs in flight at once; more wait in a queue
  int workers = 4;       ///< threads for blocking libraries (LDAP, plugins)
  Duration default_interval = std::chrono::seconds(60);
  Duration default_timeout = std::chrono::seconds(10);
  Duration shutdown_grace = std::chrono::seconds(5);
  std::vector<std::string> plugin_dirs;
};

enum class FsyncPolicy { always, interval, never };

struct EvidenceSettings {
  bool enabled = false;
  std::string dir;
  std::optional<std::string> key_file;
  FsyncPolicy fsync = FsyncPolicy::interval;
  Duration fsync_interval = std::chrono::seconds(1);
  std::optional<Duration> retain;
  std::uint64_t segment_max_bytes = 64ull << 20;
};

struct PushSettings {
  bool enabled = false;
  std::string url;  ///< the Pushgateway, e.g. http://127.0.0.1:9091
  std::string job = "campus-probe";
  std::map<std::string, std::string> grouping;
  Duration interval = std::chrono::seconds(30);
};

/// How the results of several checks combine into one indicator's state.
enum class IndicatorPolicy { all, any };

/// One configured check. Immutable once loaded; shared by the scheduler and in-flight runs.
struct CheckSpec {
  std::string id;
  std::string probe_type;
  std::string target;
  Duration interval{0};
  Duration timeout{0};
  std::map<std::string, std::string> labels;
  std::vector<std::string> indicators;
  int retries = 0;          ///< extra attempts within one run for resolve/connect/timeout failures
  int fail_after = 1;       ///< consecutive failing runs before the indicators see a failure
  int line = 0;             ///< where the check is defined, for messages
  std::string fingerprint;  ///< changes whenever anything that affects a run changes
  std::shared_ptr<Probe> probe;

  /// The `system` label, or "unknown".
  const std::string& system() const;
};

struct Config {
  std::string file;
  AgentSettings agent;
  std::vector<Edition> editions{Edition::higher, Edition::secondary};
  SecretStore secrets;
  EvidenceSettings evidence;
  PushSettings push;
  std::map<std::string, IndicatorPolicy> indicator_policies;
  std::vector<std::shared_ptr<const CheckSpec>> checks;

  const CheckSpec* find_check(std::string_view id) const;
  IndicatorPolicy policy_of(const std::string& indicator_id) const;
};

/// Looks up environment variables; replaceable in tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_environment();

struct ConfigLoadOptions {
  const Catalog& catalog;
  const ProbeRegistry& probes;
  EnvLookup env = process_environment();
};

/// Loads and validates a config file. Returns nullopt after recording every problem found.
std::optional<Config> load_config_file(const std::string& path, const ConfigLoadOptions& options,
                                       Diagnostics& diagnostics);
/// The same from text; `file_name` names the source in messages, and relative `*_file` paths
/// are resolved against its directory.
std::optional<Config> load_config_text(const std::string& file_name, std::string_view text,
                                       const ConfigLoadOptions& options, Diagnostics& diagnostics);

/// One line for `check-config`: checks per probe type and indicators covered per edition.
std::string config_summary(const Config& config, const Catalog& catalog);

}  // namespace campus
