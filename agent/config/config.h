#pragma once
// The campus config: one YAML (or JSON) file naming the agent's settings, the secrets, and the
// checks with the indicators each one proves. See configs/campus.example.yaml.
//
// Plain data: loading validates everything but the probes' own params, which the runtime's
// build step (runtime/check_plan.h) reads when it creates the probes.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "config/sites.h"
#include "core/active_window.h"
#include "core/diagnostic.h"
#include "core/duration.h"
#include "core/secrets.h"
#include "core/yaml_reader.h"

namespace campus {

struct AgentSettings {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 9877;
  int concurrency = 64;  ///< runs in flight at once; more wait in a queue
  int workers = 4;       ///< threads for blocking libraries (LDAP, plugins)
  Duration default_interval = std::chrono::seconds(60);
  Duration default_timeout = std::chrono::seconds(10);
  Duration shutdown_grace = std::chrono::seconds(5);
  /// Connections the HTTP listener keeps open at once; 0: a quarter of the open-files limit (at
  /// most 4096), so that the listener can never take the descriptors the probes need.
  int max_connections = 0;
  /// Response bodies all runs in flight may hold in memory together (core/body_budget.h).
  std::size_t body_budget = std::size_t(256) << 20;
  std::vector<std::string> plugin_dirs;
  std::vector<std::string> recipe_dirs;  ///< a campus's own recipes, besides the built-in ones
  /// Where this agent probes from (`agent.site`, or `run --site`); empty when not set. Every
  /// series and evidence record carries it.
  std::string site;
  /// Extra labels on every series and evidence record (`agent.labels`), e.g. {campus: north}.
  std::map<std::string, std::string> labels;
};

enum class FsyncPolicy { always, interval, never };

struct EvidenceSettings {
  bool enabled = false;
  std::string dir;
  std::optional<std::string> key_file;
  std::optional<std::string> signing_key_file;  ///< Ed25519 private key (evidence keygen)
  std::uint64_t checkpoint_records = 1000;      ///< a signed checkpoint after this many records
  Duration checkpoint_interval = std::chrono::minutes(5);  ///< ... or this long after the last
  /// An RFC 3161 time-stamping authority asked for a token over each signed checkpoint.
  std::optional<std::string> timestamp_url;
  Duration timestamp_timeout = std::chrono::seconds(10);
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

/// How the results of several checks combine into one indicator's state. `checks_and_attestation`:
/// every check must pass (as `all`) and a valid attestation must be in force as well.
enum class IndicatorPolicy { all, any, checks_and_attestation };

/// A shared login (`sessions:`): a test account logged in once by a probe that can log in (cas,
/// oidc, scenario), whose cookie jar and bearer token the checks naming it start with. Plain
/// data; the build step makes its login probe.
struct SessionSpec {
  std::string name;
  std::string probe_type;
  std::string target;
  Duration timeout = std::chrono::seconds(20);  ///< for one login
  /// How long one login serves its checks before the next check logs in again.
  Duration ttl = std::chrono::minutes(30);
  /// After a failed login, how long checks fail with its reason before another login is tried:
  /// a test account is locked or captcha-gated after a few wrong logins in a row.
  Duration retry_after = std::chrono::minutes(5);
  /// A check sent to a URL that starts with one of these has been logged out (besides those the
  /// login probe names itself, e.g. the CAS server's /login).
  std::vector<std::string> login_urls;
  int line = 0;
  std::string fingerprint;
};

struct CheckSpec;

/// A known exception (`waivers:`): an indicator, or a check, that is not expected to be met until
/// `until`, with the reason and the person who answers for it. A waived indicator shows as
/// waived, never as met; a waived check does not count for its indicators.
struct Waiver {
  std::string indicator;  ///< the waived indicator, or empty
  std::string check;      ///< the waived check, or empty
  std::string reason;
  std::string owner;
  std::string until_text;  ///< as written, YYYY-MM-DD: the last day it holds (+08:00)
  std::chrono::system_clock::time_point until;
  int line = 0;

  bool active(std::chrono::system_clock::time_point t) const { return t < until; }
};

/// A person who answers for an attestation.
struct Person {
  std::string name;
  std::string role;
};

/// A statement by people (`attestations:`) that an indicator no check can prove holds: who states
/// it, who approved it, the document it rests on (hashed when the config loads) and how long it
/// holds. The agent writes it into the evidence chain before it counts; the report reads it from
/// there.
struct Attestation {
  std::string id;
  std::string indicator;
  std::string statement;
  Person owner;
  Person approver;
  std::string document_path;    ///< as written in the config
  std::string document_ref;     ///< the document's own number or title
  std::string document_sha256;  ///< of the file's bytes when the config was loaded
  std::string valid_from_text;  ///< as written: YYYY-MM-DD (+08:00), or a time to the minute
  std::string expires_text;     ///< as written: the last day it holds, or the moment it ends
  std::chrono::system_clock::time_point valid_from;
  std::chrono::system_clock::time_point expires;  ///< the end of the last day
  int line = 0;

  bool valid(std::chrono::system_clock::time_point t) const {
    return t >= valid_from && t < expires;
  }
  /// Days from `t` to the end of the last day it holds; negative once expired.
  double days_to_expiry(std::chrono::system_clock::time_point t) const {
    return std::chrono::duration<double>(expires - t).count() / 86400.0;
  }
};

/// Planned downtime (`maintenance:`): runs of the checks it selects that start inside it are
/// still recorded, marked with it, but a failure among them does not count against indicators.
struct MaintenanceWindow {
  std::string name;
  std::string reason;
  std::chrono::system_clock::time_point from;
  std::chrono::system_clock::time_point to;
  std::vector<std::string> checks;            ///< check ids
  std::vector<std::string> systems;           ///< values of the `system` label
  std::map<std::string, std::string> labels;  ///< every one must match
  int line = 0;

  bool selects(const CheckSpec& check) const;
  bool contains(std::chrono::system_clock::time_point t) const { return t >= from && t < to; }
};

/// One configured check, as data. Immutable once loaded; shared by the scheduler, in-flight runs
/// and the result pipeline.
struct CheckSpec {
  std::string id;
  std::string probe_type;
  std::string target;
  Duration interval{0};
  Duration timeout{0};
  std::map<std::string, std::string> labels;
  std::vector<std::string> indicators;
  int retries = 0;     ///< extra attempts within one run for resolve/connect/timeout failures
  int fail_after = 1;  ///< consecutive failing runs before the indicators see a failure
  std::optional<ActiveWindow> active;  ///< when the check may run; always when absent
  std::string session;                 ///< the shared login it starts with; empty when none
  std::optional<SiteSelector> sites;   ///< the sites it runs from; every site when absent
  std::string recipe;                  ///< the recipe it was expanded from; empty when none
  std::string recipe_expansion;        ///< the recipe's check as expanded (YAML), for humans
  int line = 0;                        ///< where the check is defined, for messages
  std::string fingerprint;             ///< changes whenever anything that affects a run changes

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
  /// Named date ranges (teaching terms, course-selection weeks) that checks' windows refer to.
  std::map<std::string, std::vector<DateRange>, std::less<>> calendars;
  /// Shared logins by name.
  std::map<std::string, std::shared_ptr<const SessionSpec>, std::less<>> sessions;
  /// Planned downtime, in config order.
  std::vector<std::shared_ptr<const MaintenanceWindow>> maintenance;
  /// Known exceptions, in config order.
  std::vector<std::shared_ptr<const Waiver>> waivers;
  /// Statements by people, in config order.
  std::vector<std::shared_ptr<const Attestation>> attestations;
  std::vector<std::shared_ptr<const CheckSpec>> checks;
  /// The campus's sites (`sites:`), by name; empty when the config defines none.
  std::map<std::string, SiteSpec, std::less<>> sites;

  /// The labels every series and record of this agent carries besides `site`: agent.labels with
  /// its own site's labels over them.
  std::map<std::string, std::string> site_labels() const;
  /// Whether `check` runs on `site`: it selects none, or names it, or its labels match.
  bool runs_on(const CheckSpec& check, std::string_view site) const;
  /// The labels of `site` as its series carry them (agent.labels, the site's own over them).
  std::map<std::string, std::string> labels_of(std::string_view site) const;

  /// The check with this id, or nullptr. O(1); valid once index_checks() has run after the last
  /// change of `checks` (the loader and the build step do it).
  const CheckSpec* find_check(std::string_view id) const;
  void index_checks();
  IndicatorPolicy policy_of(const std::string& indicator_id) const;
  /// The waiver in force at `t` for indicator `id` (or check `id`), or null.
  std::shared_ptr<const Waiver> waiver_for_indicator(std::string_view id,
                                                     std::chrono::system_clock::time_point t) const;
  std::shared_ptr<const Waiver> waiver_for_check(std::string_view id,
                                                 std::chrono::system_clock::time_point t) const;
  /// The attestation of indicator `id` valid at `t` (the one that holds longest), or null.
  std::shared_ptr<const Attestation> attestation_for(std::string_view id,
                                                     std::chrono::system_clock::time_point t) const;
  /// The maintenance window `check` is in at `t`, or null.
  std::shared_ptr<const MaintenanceWindow> maintenance_for(
      const CheckSpec& check, std::chrono::system_clock::time_point t) const;

 private:
  // Keys view the ids of the specs in `checks`, which are immutable and heap-allocated.
  std::unordered_map<std::string_view, const CheckSpec*> by_id_;
};

/// Looks up environment variables; replaceable in tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_environment();

struct ConfigLoadOptions {
  const Catalog& catalog;
  EnvLookup env = process_environment();
  /// Checking a config before its secrets are provisioned (`check-config --skip-secrets`): an
  /// unset variable or unreadable file of a secret is listed in LoadedConfig::missing_secrets
  /// instead of being an error.
  bool secrets_may_be_missing = false;
  /// The agent's own site (`--site`), over `agent.site`.
  std::optional<std::string> site = std::nullopt;
  /// Keep the checks of every site (check-config's overview). Otherwise only the checks of the
  /// agent's own site are kept, with the sessions they use.
  bool all_sites = false;
};

/// Where a check's probe-specific parts were written, for the build step and its messages.
struct CheckSource {
  YamlValue probe;  ///< the `probe:` key
  std::optional<YamlValue> target;
  std::optional<YamlValue> params;
  std::optional<YamlValue> session;  ///< the `session:` key
};

/// A loaded config and what the build step still needs of its document: the source positions
/// and raw params of each check (parallel to `config.checks`). The document stays alive as long
/// as this does; drop it once the probes are built.
struct LoadedConfig {
  Config config;
  std::vector<CheckSource> sources;
  /// Where each session's login probe was written (`probe`, `target`, `params`), by name.
  std::map<std::string, CheckSource, std::less<>> session_sources;
  std::optional<YamlValue> plugin_dirs;  ///< the `agent.plugin_dirs` key, when given
  std::optional<YamlValue> recipe_dirs;  ///< the `agent.recipe_dirs` key, when given
  /// Secrets that could not be read, when ConfigLoadOptions::secrets_may_be_missing allowed it.
  std::vector<std::string> missing_secrets;
  /// The recipe files' sources of the checks expanded from recipes (their YamlValues point here).
  std::vector<std::unique_ptr<YamlSource>> recipe_sources;
  /// Where the document's problems go; the build step points it at its own diagnostics.
  std::unique_ptr<YamlSource> source;
};

/// Loads and validates a config file as data. Returns nullopt when the file cannot be read or
/// parsed at all; otherwise every problem found is in `diagnostics` and the result holds the
/// checks that could be read, so that the build step can report their params' problems too.
std::optional<LoadedConfig> load_config_file(const std::string& path,
                                             const ConfigLoadOptions& options,
                                             Diagnostics& diagnostics);
/// The same from text; `file_name` names the source in messages, and relative `*_file` paths
/// are resolved against its directory.
std::optional<LoadedConfig> load_config_text(const std::string& file_name, std::string_view text,
                                             const ConfigLoadOptions& options,
                                             Diagnostics& diagnostics);

/// One line for `check-config`: checks per probe type and indicators covered per edition.
std::string config_summary(const Config& config, const Catalog& catalog);

}  // namespace campus
