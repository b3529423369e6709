#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>

#include "config/config.h"
#include "config/recipes.h"
#include "core/body_budget.h"
#include "core/hash.h"

namespace campus {
namespace {

namespace fs = std::filesystem;

// [a-z0-9_-]+, checked by hand: std::regex recurses per character and a config may be hostile.
bool is_check_id(std::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

// [a-zA-Z_][a-zA-Z0-9_]*
bool is_label_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

std::optional<Duration> read_duration(const YamlValue& value) {
  auto text = value.string();
  if (!text) return std::nullopt;
  auto d = parse_duration(*text);
  if (!d || d->count() <= 0) {
    value.error("expected a duration like 500ms, 10s, 5m or 1h, got '" + *text + "'");
    return std::nullopt;
  }
  return d;
}

fs::path secret_file_path(const std::string& path, const fs::path& base) {
  fs::path p(path);
  return p.is_relative() ? base / p : p;
}

// Why the secret file at `p` may not be used, or nothing: other users can read (or rewrite) it.
// As with the evidence key, such a file is refused, not merely warned about: a warning scrolls
// by in a journal while the password stays readable. But a file is refused only when other
// users can actually reach it: a 0644 file inside a directory they cannot enter (the package's
// /etc/campus-probe is 0750) exposes nothing, and refusing it would stop working installs.
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

// Reads the whole file at `path` (relative paths against `base`); nullopt with `problem` set
// when it cannot.
std::optional<std::string> read_secret_file(const std::string& path, const fs::path& base,
                                            std::string& problem) {
  const fs::path p = secret_file_path(path, base);
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    problem = "cannot read file " + p.string();
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string value = content.str();
  // Files written with `echo` end in a newline that is not part of the secret.
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
    value.pop_back();
  return value;
}

// The keys of one check: those written where the check is, over those of the recipe it uses (if
// any). Each value keeps its own file and line; finish() reports unknown keys of both.
class CheckKeys {
 public:
  CheckKeys(YamlMapReader use, std::optional<YamlMapReader> recipe)
      : use_(std::move(use)), recipe_(std::move(recipe)) {}

  std::optional<YamlValue> get(std::string_view key) {
    auto own = use_.get(key);
    auto inherited = recipe_ ? recipe_->get(key) : std::nullopt;
    return own ? own : inherited;
  }
  std::optional<YamlValue> required(std::string_view key) {
    if (auto v = get(key)) return v;
    return use_.required(key);  // records the missing key at the check
  }
  /// Only where the check is written (its id), never from the recipe.
  std::optional<YamlValue> own_required(std::string_view key) { return use_.required(key); }
  void finish() {
    use_.finish();
    if (recipe_) recipe_->finish();
  }
  const YamlValue& self() const { return use_.self(); }

 private:
  YamlMapReader use_;
  std::optional<YamlMapReader> recipe_;
};

class ConfigParser {
 public:
  ConfigParser(const ConfigLoadOptions& options, const YamlSource& source, LoadedConfig& loaded)
      : options_(options), source_(source), loaded_(loaded), config_(loaded.config) {
    base_dir_ = fs::path(source.file).parent_path();
  }

  void parse(const YamlValue& root) {
    auto reader = root.map();
    if (!reader.valid()) return;
    if (auto v = reader.get("agent")) parse_agent(*v);
    auto sites = reader.get("sites");
    if (sites) config_.sites = read_sites(*sites);  // before the checks, which select among them
    if (auto v = reader.get("editions")) parse_editions(*v);
    if (auto v = reader.get("secrets")) parse_secrets(*v);
    if (auto v = reader.get("evidence")) parse_evidence(*v);
    if (auto v = reader.get("push")) parse_push(*v);
    if (auto v = reader.get("indicators")) parse_indicator_policies(*v);
    if (auto v = reader.get("calendars")) parse_calendars(*v);
    if (auto v = reader.get("sessions")) parse_sessions(*v);
    if (auto v = reader.get("maintenance")) parse_maintenance(*v);
    waivers_ = reader.get("waivers");  // read after the checks, which they may name
    if (auto v = reader.get("attestations")) parse_attestations(*v);
    if (auto v = reader.required("checks")) parse_checks(*v);
    if (waivers_) parse_waivers(*waivers_);
    reader.finish();
    resolve_site(sites);
    check_push_grouping();
  }

 private:
  void parse_agent(const YamlValue& value) {
    auto r = value.map();
    auto& a = config_.agent;
    if (auto v = r.get("listen")) {
      if (auto s = v->string()) parse_listen(*v, *s);
    }
    if (auto v = r.get("concurrency")) a.concurrency = int(v->integer(1, 100000).value_or(64));
    if (auto v = r.get("workers")) a.workers = int(v->integer(1, 256).value_or(4));
    if (auto v = r.get("default_interval")) {
      a.default_interval = read_duration(*v).value_or(a.default_interval);
    }
    if (auto v = r.get("default_timeout")) {
      a.default_timeout = read_duration(*v).value_or(a.default_timeout);
    }
    if (auto v = r.get("shutdown_grace")) {
      a.shutdown_grace = read_duration(*v).value_or(a.shutdown_grace);
    }
    if (auto v = r.get("max_connections")) {
      a.max_connections = int(v->integer(1, 1000000).value_or(0));
    }
    if (auto v = r.get("body_budget")) {
      // Below a megabyte even one ordinary page would not fit.
      const auto text = v->text();
      const auto bytes = text ? parse_bytes(*text) : std::nullopt;
      if (!text) {
        // text() said what is wrong
      } else if (!bytes || *bytes < (std::size_t(1) << 20)) {
        v->error("expected a size of at least 1MiB, e.g. 256MiB (units: KiB, MiB, GiB)");
      } else {
        a.body_budget = *bytes;
      }
    }
    if (auto v = r.get("recipe_dirs")) {
      a.recipe_dirs = v->string_list().value_or(std::vector<std::string>{});
      for (auto& dir : a.recipe_dirs) {
        if (fs::path(dir).is_relative()) dir = (base_dir_ / dir).string();
      }
      loaded_.recipe_dirs = *v;
    }
    if (auto v = r.get("plugin_dirs")) {
      a.plugin_dirs = v->string_list().value_or(std::vector<std::string>{});
      for (auto& dir : a.plugin_dirs) {
        if (fs::path(dir).is_relative()) dir = (base_dir_ / dir).string();
      }
      loaded_.plugin_dirs = *v;  // the build step loads them and reports their problems here
    }
    if (auto v = r.get("site")) {
      if (auto s = v->text()) {
        if (is_site_name(*s)) {
          a.site = *s;
        } else {
          v->error("site names may use only a-z, 0-9, _ and - (at most 63), got '" + *s + "'");
        }
      }
      agent_site_ = v;
    }
    if (auto v = r.get("labels")) a.labels = read_extra_labels(*v);
    r.finish();
  }

  // The agent's own site: --site over agent.site, one of the campus's sites when it defines
  // them. Unless every site's checks are wanted (check-config), the checks of other sites go,
  // and with them the sessions only they use: an agent never logs in for another site.
  void resolve_site(const std::optional<YamlValue>& sites_key) {
    auto& site = config_.agent.site;
    if (options_.site) {
      if (!is_site_name(*options_.site)) {
        source_.diagnostics->error(
            source_.file, 0, 0, "--site",
            "site names may use only a-z, 0-9, _ and - (at most 63), got '" + *options_.site + "'");
        return;
      }
      site = *options_.site;
    }
    if (!site.empty() && !config_.sites.empty() && !config_.sites.count(site)) {
      const std::string message =
          "unknown site '" + site + "' (sites: " + site_names(config_.sites) + ")";
      if (options_.site) {
        source_.diagnostics->error(source_.file, 0, 0, "--site", message);
      } else if (agent_site_) {
        agent_site_->error(message);
      }
      return;
    }
    if (options_.all_sites) return;
    const auto selecting = std::find_if(config_.checks.begin(), config_.checks.end(),
                                        [](const auto& c) { return c->sites.has_value(); });
    if (site.empty()) {
      if (config_.sites.empty() && selecting == config_.checks.end()) return;
      const std::string why = !config_.sites.empty()
                                  ? "the config defines sites (" + site_names(config_.sites) + ")"
                                  : "check '" + (*selecting)->id + "' (line " +
                                        std::to_string((*selecting)->line) +
                                        ") selects the sites it runs from";
      const std::string message =
          why + ", but this agent has no site: set agent.site, or run with --site NAME";
      if (sites_key) {
        sites_key->error(message);
      } else {
        source_.diagnostics->error(source_.file, (*selecting)->line, 0, "sites", message);
      }
      return;
    }
    keep_site_checks(site);
  }

  // The site and the extra labels join the push's grouping key (sinks/push_sink.cpp): a grouping
  // label by the same name would be overwritten.
  void check_push_grouping() {
    if (!push_grouping_ || !push_grouping_->is_map()) return;
    auto labels = config_.site_labels();
    if (!config_.agent.site.empty()) labels["site"] = config_.agent.site;
    for (auto& [name, v] : push_grouping_->map().entries()) {
      if (labels.count(name)) {
        v.error("'" + name +
                "' is already a label of every series (agent.site, agent.labels or the site's "
                "labels), and part of the push's grouping key; leave it out here");
      }
    }
  }

  void keep_site_checks(const std::string& site) {
    std::vector<std::shared_ptr<const CheckSpec>> kept;
    std::vector<CheckSource> kept_sources;
    std::set<std::string> sessions_kept, sessions_dropped;
    for (std::size_t i = 0; i < config_.checks.size(); ++i) {
      const auto& check = config_.checks[i];
      const bool here = config_.runs_on(*check, site);
      if (!check->session.empty()) (here ? sessions_kept : sessions_dropped).insert(check->session);
      if (!here) continue;
      kept.push_back(check);
      if (i < loaded_.sources.size()) kept_sources.push_back(std::move(loaded_.sources[i]));
    }
    config_.checks = std::move(kept);
    loaded_.sources = std::move(kept_sources);
    for (const auto& name : sessions_dropped) {
      if (sessions_kept.count(name)) continue;
      config_.sessions.erase(name);
      loaded_.session_sources.erase(name);
    }
  }

  void parse_listen(const YamlValue& where, const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      where.error("expected host:port, e.g. 127.0.0.1:9877");
      return;
    }
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    const std::string port = text.substr(colon + 1);
    char* end = nullptr;
    const long n = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || n < 0 || n > 65535) {
      where.error("expected host:port with a port from 0 to 65535, got '" + text + "'");
      return;
    }
    config_.agent.listen_host = host;
    config_.agent.listen_port = std::uint16_t(n);
  }

  void parse_editions(const YamlValue& value) {
    auto names = value.string_list();
    if (!names) return;
    config_.editions.clear();
    for (const auto& name : *names) {
      auto e = parse_edition(name);
      if (!e) {
        value.error("unknown edition '" + name + "' (expected higher or secondary)");
        continue;
      }
      if (std::find(config_.editions.begin(), config_.editions.end(), *e) ==
          config_.editions.end()) {
        config_.editions.push_back(*e);
      }
    }
    if (config_.editions.empty() && names->empty()) value.error("must name at least one edition");
  }

  void parse_secrets(const YamlValue& value) {
    auto r = value.map();
    for (auto& [name, set_value] : r.entries()) {
      SecretSet set;
      set.name = name;
      auto sr = set_value.map();
      if (!sr.valid()) continue;
      bool any = false;
      if (auto v = sr.get("username")) {
        set.username = v->string();
        any = true;
      }
      auto read_field = [&](const std::string& field) -> std::optional<std::string> {
        std::optional<std::string> out;
        auto from_env = sr.get(field + "_env");
        auto from_file = sr.get(field + "_file");
        if (from_env && from_file) {
          from_file->error("give either " + field + "_env or " + field + "_file, not both");
          return std::nullopt;
        }
        std::string problem;
        if (from_env) {
          if (auto var = from_env->text()) {
            out = options_.env(*var);
            if (!out) problem = "environment variable " + *var + " is not set";
          }
        } else if (from_file) {
          if (auto path = from_file->text()) {
            // Refused even by check-config --skip-secrets: the file is there, and exposed. A
            // username is no secret (it may be written in the config itself).
            std::optional<std::string> exposed;
            if (field != "username")
              exposed = exposed_secret_file(secret_file_path(*path, base_dir_));
            if (exposed) {
              from_file->error(*exposed);
              out = "";  // a stand-in: the checks using it are still checked, and not blamed
            } else {
              out = read_secret_file(*path, base_dir_, problem);
            }
          }
        }
        if (!problem.empty()) {
          const YamlValue& where = from_env ? *from_env : *from_file;
          if (options_.secrets_may_be_missing) {
            // Checking a config before the secrets are provisioned: note it, go on with a
            // stand-in value so that everything else is still checked.
            loaded_.missing_secrets.push_back(source_.file + ":" + std::to_string(where.line()) +
                                              ":" + std::to_string(where.column()) + ": " +
                                              where.path() + ": " + problem);
            out = "";
          } else {
            where.error(problem);
          }
        }
        if (from_env || from_file) any = true;
        return out;
      };
      if (auto u = read_field("username")) set.username = u;
      if (auto p = read_field("password")) set.password = Secret(*p);
      if (auto t = read_field("token")) set.token = Secret(*t);
      if (auto s = read_field("secret")) set.secret = Secret(*s);
      for (const char* inline_key : {"password", "token", "secret"}) {
        if (auto v = sr.get(inline_key)) {
          v->error(std::string("secrets are never written in the config: use ") + inline_key +
                   "_env or " + inline_key + "_file");
          any = true;
        }
      }
      if (!any) {
        set_value.error(
            "a secret needs at least one of username, username_env, username_file, "
            "password_env, password_file, token_env, token_file, secret_env, "
            "secret_file");
      }
      sr.finish();
      config_.secrets.add(std::move(set));
    }
  }

  // A file the config names (relative to the config's directory), recording an error, with
  // `hint` after it, when it cannot be read.
  std::optional<std::string> readable_file(const YamlValue& value, const std::string& hint) {
    const auto text = value.text();
    if (!text) return std::nullopt;
    fs::path p(*text);
    if (p.is_relative()) p = base_dir_ / p;
    if (!std::ifstream(p)) value.error("cannot read file " + p.string() + hint);
    return p.string();
  }

  void parse_evidence(const YamlValue& value) {
    auto r = value.map();
    if (!r.valid()) return;
    auto& e = config_.evidence;
    e.enabled = true;
    if (auto v = r.required("dir")) {
      if (auto s = v->text()) {
        fs::path p(*s);
        e.dir = (p.is_relative() ? base_dir_ / p : p).string();
      }
    }
    if (auto v = r.get("key_file")) e.key_file = readable_file(*v, "");
    if (auto v = r.get("signing_key_file")) {
      e.signing_key_file = readable_file(*v, " (make one with campus-probe evidence keygen)");
    }
    if (auto v = r.get("checkpoint_records")) {
      e.checkpoint_records = std::uint64_t(v->integer(1, 100000000).value_or(1000));
    }
    if (auto v = r.get("checkpoint_interval")) {
      e.checkpoint_interval = read_duration(*v).value_or(e.checkpoint_interval);
    }
    if (auto v = r.get("timestamp_url")) {
      if (auto s = v->text()) {
        if (s->rfind("http://", 0) != 0 && s->rfind("https://", 0) != 0) {
          v->error("expected the time-stamping authority's http:// or https:// URL, got '" + *s +
                   "'");
        } else if (!r.get("signing_key_file")) {
          v->error(
              "timestamps are taken of signed checkpoints: set evidence.signing_key_file "
              "too");
        }
        e.timestamp_url = *s;
      }
    }
    if (auto v = r.get("timestamp_timeout")) {
      e.timestamp_timeout = read_duration(*v).value_or(e.timestamp_timeout);
    }
    if (auto v = r.get("fsync")) {
      if (auto s = v->string()) {
        if (*s == "always")
          e.fsync = FsyncPolicy::always;
        else if (*s == "interval")
          e.fsync = FsyncPolicy::interval;
        else if (*s == "never")
          e.fsync = FsyncPolicy::never;
        else
          v->error("expected always, interval or never, got '" + *s + "'");
      }
    }
    if (auto v = r.get("fsync_interval")) {
      e.fsync_interval = read_duration(*v).value_or(e.fsync_interval);
    }
    if (auto v = r.get("retain")) e.retain = read_duration(*v);
    if (auto v = r.get("segment_max_bytes")) {
      e.segment_max_bytes = std::uint64_t(v->integer(4096, std::int64_t(1) << 40).value_or(0));
    }
    r.finish();
  }

  void parse_push(const YamlValue& value) {
    auto r = value.map();
    if (!r.valid()) return;
    auto& p = config_.push;
    p.enabled = true;
    if (auto v = r.required("pushgateway")) {
      if (auto s = v->text()) {
        if (s->rfind("http://", 0) != 0 && s->rfind("https://", 0) != 0) {
          v->error("expected an http:// or https:// URL");
        }
        p.url = *s;
      }
    }
    if (auto v = r.get("job")) p.job = v->text().value_or(p.job);
    if (auto v = r.get("interval")) p.interval = read_duration(*v).value_or(p.interval);
    if (auto v = r.get("grouping")) {
      p.grouping = read_labels(*v);
      push_grouping_ = v;
    }
    r.finish();
  }

  void parse_indicator_policies(const YamlValue& value) {
    auto r = value.map();
    for (auto& [id, entry] : r.entries()) {
      if (!options_.catalog.find(id)) {
        entry.error("unknown indicator '" + id + "'");
        continue;
      }
      auto er = entry.map();
      if (auto v = er.get("policy")) {
        if (auto s = v->string()) {
          if (*s == "all")
            config_.indicator_policies[id] = IndicatorPolicy::all;
          else if (*s == "any")
            config_.indicator_policies[id] = IndicatorPolicy::any;
          else if (*s == "checks_and_attestation")
            config_.indicator_policies[id] = IndicatorPolicy::checks_and_attestation;
          else
            v->error("expected all, any or checks_and_attestation, got '" + *s + "'");
        }
      }
      er.finish();
    }
  }

  // calendars: {NAME: ["2026-09-01..2027-01-20", "2026-12-25"]}
  void parse_calendars(const YamlValue& value) {
    auto r = value.map();
    for (auto& [name, entry] : r.entries()) {
      std::vector<DateRange> ranges;
      for (const auto& item : entry.items()) {
        auto text = item.string();
        if (!text) continue;
        const auto dots = text->find("..");
        const auto first = parse_civil_date(text->substr(0, dots));
        const auto last =
            dots == std::string::npos ? first : parse_civil_date(text->substr(dots + 2));
        if (!first || !last) {
          item.error("expected a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD, got '" + *text +
                     "'");
        } else if (*last < *first) {
          item.error("the range '" + *text + "' ends before it starts");
        } else {
          ranges.push_back({*first, *last});
        }
      }
      if (entry.is_list() && entry.items().empty())
        entry.error("a calendar needs at least one date");
      config_.calendars[name] = std::move(ranges);
    }
  }

  // "2026-12-05 08:00", "2026-12-05T08:00:30" or "2026-12-05" at `offset` minutes east of UTC.
  std::optional<std::chrono::system_clock::time_point> read_local_time(const YamlValue& value,
                                                                       int offset) {
    const auto text = value.text();
    if (!text) return std::nullopt;
    const auto days = parse_civil_date(text->substr(0, 10));
    std::optional<int> minutes = 0;
    int seconds = 0;
    if (text->size() > 10) {
      const char sep = (*text)[10];
      std::string clock = text->substr(11);
      if (clock.size() == 8 && clock[5] == ':' && std::isdigit((unsigned char)clock[6]) &&
          std::isdigit((unsigned char)clock[7]) && clock.substr(6) < "60") {
        seconds = std::stoi(clock.substr(6));
        clock.resize(5);
      }
      minutes = (sep == ' ' || sep == 'T') ? parse_clock_time(clock) : std::nullopt;
    }
    if (!days || !minutes) {
      value.error("expected a local time like 2026-12-05 08:00 (or a date), got '" + *text + "'");
      return std::nullopt;
    }
    using namespace std::chrono;
    return system_clock::time_point(sys_days(std::chrono::days(*days)).time_since_epoch() +
                                    std::chrono::minutes(*minutes - offset) +
                                    std::chrono::seconds(seconds));
  }

  // A date YYYY-MM-DD as the start of that day in China (+08:00), `days_after` days later: 0 for
  // the first moment of the day, 1 for the end of it.
  std::optional<std::chrono::system_clock::time_point> read_china_day(const YamlValue& value,
                                                                      const std::string& what,
                                                                      int days_after) {
    const auto text = value.text().value_or("");
    const auto days = parse_civil_date(text);
    if (!days) {
      value.error("expected " + what + " as YYYY-MM-DD, got '" + text + "'");
      return std::nullopt;
    }
    using namespace std::chrono;
    return system_clock::time_point(
        sys_days(std::chrono::days(*days + days_after)).time_since_epoch() - hours(8));
  }

  // A day (YYYY-MM-DD, as read_china_day) or, to the minute, a local time in China.
  std::optional<std::chrono::system_clock::time_point> read_attestation_time(
      const YamlValue& value, const std::string& what, int days_after) {
    if (value.text().value_or("").size() > 10) return read_local_time(value, 8 * 60);
    return read_china_day(value, what, days_after);
  }

  Person read_person(const YamlValue& value) {
    Person person;
    auto r = value.map();
    if (!r.valid()) return person;
    if (auto v = r.required("name")) person.name = v->text().value_or("");
    if (auto v = r.required("role")) person.role = v->text().value_or("");
    r.finish();
    return person;
  }

  // The bytes an attestation rests on, hashed now: the evidence records the hash, so a document
  // swapped later no longer matches what was attested.
  void hash_document(const YamlValue& value, Attestation& a) {
    fs::path path = fs::path(a.document_path);
    if (path.is_relative()) path = base_dir_ / path;
    constexpr std::uintmax_t max_bytes = 256ull << 20;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
      value.error("cannot read the document " + path.string() + ": " + ec.message());
      return;
    }
    if (size > max_bytes) {
      value.error("the document " + path.string() + " is larger than 256 MiB");
      return;
    }
    std::ifstream in(path, std::ios::binary);
    std::string bytes(size, '\0');
    if (!in.read(bytes.data(), std::streamsize(size))) {
      value.error("cannot read the document " + path.string());
      return;
    }
    a.document_sha256 = sha256_hex(bytes);
  }

  // attestations: [{id, indicator, statement, owner: {name, role}, approver: {name, role},
  //                 document: {path, ref}, valid_from: YYYY-MM-DD, expires: YYYY-MM-DD}]
  void parse_attestations(const YamlValue& value) {
    std::set<std::string> ids;
    for (const auto& item : value.items()) {
      auto r = item.map();
      if (!r.valid()) continue;
      auto a = std::make_shared<Attestation>();
      a->line = item.line();
      if (auto v = r.required("id")) {
        a->id = v->text().value_or("");
        if (!is_check_id(a->id)) {
          v->error("attestation ids may use only a-z, 0-9, _ and -, got '" + a->id + "'");
        } else if (!ids.insert(a->id).second) {
          v->error("duplicate attestation id '" + a->id + "'");
        }
      }
      if (auto v = r.required("indicator")) {
        a->indicator = v->text().value_or("");
        if (!a->indicator.empty() && !options_.catalog.find(a->indicator)) {
          v->error("unknown indicator '" + a->indicator + "' (see campus-probe indicators)");
        }
      }
      if (auto v = r.required("statement")) a->statement = v->text().value_or("");
      if (auto v = r.required("owner")) a->owner = read_person(*v);
      if (auto v = r.required("approver")) a->approver = read_person(*v);
      if (auto v = r.required("document")) {
        auto dr = v->map();
        if (dr.valid()) {
          if (auto ref = dr.required("ref")) a->document_ref = ref->text().value_or("");
          if (auto path = dr.required("path")) {
            a->document_path = path->text().value_or("");
            if (!a->document_path.empty()) hash_document(*path, *a);
          }
          dr.finish();
        }
      }
      auto from = r.required("valid_from");
      auto expires = r.required("expires");
      const auto start =
          from ? read_attestation_time(*from, "the first day it holds", 0) : std::nullopt;
      const auto end =
          expires ? read_attestation_time(*expires, "the last day it holds", 1) : std::nullopt;
      if (start && end) {
        a->valid_from = *start;
        a->expires = *end;
        a->valid_from_text = from->text().value_or("");
        a->expires_text = expires->text().value_or("");
        if (*end <= *start) expires->error("the attestation expires before it holds");
      }
      r.finish();
      config_.attestations.push_back(std::move(a));
    }
  }

  // waivers: [{indicator: ID | check: ID, reason, owner, until: YYYY-MM-DD}]
  void parse_waivers(const YamlValue& value) {
    for (const auto& item : value.items()) {
      auto r = item.map();
      if (!r.valid()) continue;
      auto w = std::make_shared<Waiver>();
      w->line = item.line();
      auto indicator = r.get("indicator");
      auto check = r.get("check");
      if (bool(indicator) == bool(check)) {
        item.error("a waiver names one indicator or one check");
      } else if (indicator) {
        w->indicator = indicator->text().value_or("");
        if (!w->indicator.empty() && !options_.catalog.find(w->indicator)) {
          indicator->error("unknown indicator '" + w->indicator +
                           "' (see campus-probe indicators)");
        }
      } else {
        w->check = check->text().value_or("");
        const bool known = std::any_of(config_.checks.begin(), config_.checks.end(),
                                       [&](const auto& c) { return c->id == w->check; });
        if (!w->check.empty() && !known) {
          check->error("unknown check '" + w->check + "'");
        }
      }
      if (auto v = r.required("reason")) w->reason = v->text().value_or("");
      if (auto v = r.required("owner")) w->owner = v->text().value_or("");
      if (auto v = r.required("until")) {
        if (auto end = read_china_day(*v, "the last day of the waiver", 1)) {
          w->until = *end;
          w->until_text = v->text().value_or("");
        }
      }
      r.finish();
      config_.waivers.push_back(std::move(w));
    }
  }

  // maintenance: [{name, reason, from, to, timezone, checks, systems, labels}]
  void parse_maintenance(const YamlValue& value) {
    for (const auto& item : value.items()) {
      auto r = item.map();
      if (!r.valid()) continue;
      auto w = std::make_shared<MaintenanceWindow>();
      w->line = item.line();
      if (auto v = r.required("name")) w->name = v->text().value_or("");
      if (auto v = r.required("reason")) w->reason = v->text().value_or("");
      int offset = 8 * 60;
      if (auto v = r.get("timezone")) {
        if (auto text = v->text()) {
          if (auto o = parse_fixed_utc_offset(*text)) {
            offset = *o;
          } else {
            v->error("expected a UTC offset like +08:00, got '" + *text + "'");
          }
        }
      }
      auto from = r.required("from");
      auto to = r.required("to");
      const auto start = from ? read_local_time(*from, offset) : std::nullopt;
      const auto end = to ? read_local_time(*to, offset) : std::nullopt;
      if (start && end) {
        w->from = *start;
        w->to = *end;
        if (*end <= *start) to->error("the window ends before it starts");
      }
      if (auto v = r.get("checks")) {
        w->checks = v->string_list().value_or(std::vector<std::string>{});
      }
      if (auto v = r.get("systems")) {
        w->systems = v->string_list().value_or(std::vector<std::string>{});
      }
      if (auto v = r.get("labels")) w->labels = read_labels(*v);
      if (w->checks.empty() && w->systems.empty() && w->labels.empty()) {
        item.error("a maintenance window needs checks, systems or labels to select what it covers");
      }
      r.finish();
      config_.maintenance.push_back(std::move(w));
    }
  }

  // sessions: {NAME: {probe: cas, target: URL, params: {...}, ttl: 30m, timeout: 20s,
  //                   retry_after: 5m, login_urls: [URL, ...]}}
  void parse_sessions(const YamlValue& value) {
    auto r = value.map();
    for (auto& [name, entry] : r.entries()) {
      if (!is_check_id(name)) {
        entry.error("session names may use only a-z, 0-9, _ and -, got '" + name + "'");
        continue;
      }
      auto er = entry.map();
      if (!er.valid()) continue;
      session_names_.insert(name);
      auto session = std::make_shared<SessionSpec>();
      session->name = name;
      session->line = entry.line();
      const std::size_t errors_before = source_.diagnostics->size();
      auto probe = er.required("probe");
      if (probe) session->probe_type = probe->text().value_or("");
      auto target = er.required("target");
      if (target) session->target = target->text().value_or("");
      if (auto v = er.get("timeout"))
        session->timeout = read_duration(*v).value_or(session->timeout);
      if (auto v = er.get("ttl")) session->ttl = read_duration(*v).value_or(session->ttl);
      if (auto v = er.get("retry_after")) {
        session->retry_after = read_duration(*v).value_or(session->retry_after);
      }
      if (auto v = er.get("login_urls")) {
        session->login_urls = v->string_list().value_or(std::vector<std::string>{});
        for (const auto& url : session->login_urls) {
          if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
            v->error("expected http(s):// URLs, got '" + url + "'");
          }
        }
      }
      auto params = er.get("params");
      if (params && !params->is_map()) params->error("expected a mapping");
      er.finish();
      if (source_.diagnostics->size() != errors_before || !probe) continue;
      std::string material = YAML::Dump(entry.node());
      for (const auto& secret : config_.secrets.values())
        material += '\0' + secret;
      session->fingerprint = sha256_hex(material);
      loaded_.session_sources.emplace(name, CheckSource{*probe, target, params, std::nullopt});
      config_.sessions.emplace(name, std::move(session));
    }
  }

  // active: {days: [mon, fri], hours: "07:30-22:00", timezone: "+08:00", calendar: NAME}
  std::optional<ActiveWindow> read_window(const YamlValue& value) {
    auto r = value.map();
    if (!r.valid()) return std::nullopt;
    ActiveWindow w;
    if (auto v = r.get("days")) {
      if (auto names = v->string_list()) {
        w.days = 0;
        static const char* const kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
        for (const auto& name : *names) {
          int found = -1;
          for (int d = 0; d < 7; ++d) {
            if (name == kDays[d]) found = d;
          }
          if (found < 0) {
            v->error("expected mon, tue, wed, thu, fri, sat or sun, got '" + name + "'");
          } else {
            w.days |= std::uint8_t(1u << found);
          }
        }
        if (names->empty()) v->error("the window never opens: no days");
      }
    }
    if (auto v = r.get("hours")) {
      if (auto text = v->string()) {
        const auto dash = text->find('-');
        const auto from = parse_clock_time(text->substr(0, dash));
        const auto to =
            dash == std::string::npos ? std::nullopt : parse_clock_time(text->substr(dash + 1));
        if (!from || !to) {
          v->error("expected HH:MM-HH:MM, e.g. 07:30-22:00, got '" + *text + "'");
        } else if (*from == *to) {
          v->error("the window never opens: '" + *text + "' is empty");
        } else {
          w.from_minute = *from;
          w.to_minute = *to;
        }
      }
    }
    if (auto v = r.get("timezone")) {
      if (auto text = v->string()) {
        if (auto offset = parse_fixed_utc_offset(*text)) {
          w.offset_minutes = *offset;
        } else {
          v->error("expected a fixed UTC offset such as +08:00 (or Asia/Shanghai), got '" + *text +
                   "'");
        }
      }
    }
    if (auto v = r.get("calendar")) {
      if (auto name = v->text()) {
        auto it = config_.calendars.find(*name);
        if (it == config_.calendars.end()) {
          std::string known;
          for (const auto& [n, ranges] : config_.calendars)
            known += (known.empty() ? "" : ", ") + n;
          v->error("unknown calendar '" + *name + "'" +
                   (known.empty() ? " (the config has no calendars:)" : " (known: " + known + ")"));
        } else {
          w.calendar = *name;
          w.dates = it->second;
        }
      }
    }
    r.finish();
    return w;
  }

  std::map<std::string, std::string> read_labels(const YamlValue& value) {
    std::map<std::string, std::string> out;
    auto r = value.map();
    for (auto& [name, v] : r.entries()) {
      if (!is_label_name(name)) {
        v.error("label names must match [a-zA-Z_][a-zA-Z0-9_]*");
        continue;
      }
      if (auto s = v.string()) out[name] = *s;
    }
    return out;
  }

  void parse_checks(const YamlValue& value) {
    std::map<std::string, int> seen;
    for (const auto& item : value.items()) {
      auto source = parse_check(item);
      if (!source) continue;
      auto& check = source->first;
      auto [it, inserted] = seen.emplace(check->id, check->line);
      if (!inserted && !check->id.empty()) {
        item.error("duplicate check id '" + check->id + "' (first defined on line " +
                   std::to_string(it->second) + ")");
        continue;
      }
      config_.checks.push_back(std::move(check));
      loaded_.sources.push_back(std::move(source->second));
    }
  }

  // A check as data, with where its probe-specific parts are for the build step. A check with
  // problems is still returned when its probe type is known, so that the build step can report
  // the problems of its params in the same run; the load as a whole fails anyway.
  std::optional<std::pair<std::shared_ptr<CheckSpec>, CheckSource>> parse_check(
      const YamlValue& item) {
    auto use = item.map();
    if (!use.valid()) return std::nullopt;
    auto check = std::make_shared<CheckSpec>();
    check->line = item.line();
    const std::size_t errors_before = source_.diagnostics->size();
    // A recipe's check under the keys written here (which win, except params: a recipe's
    // params come from `with`).
    std::optional<YamlValue> expanded;
    auto recipe_key = use.get("recipe");
    auto with = use.get("with");
    if (recipe_key) {
      expanded = expand(item, *recipe_key, with, *check);
      if (!expanded) return std::nullopt;
    } else if (with) {
      with->error("with: gives a recipe's parameters; this check names no recipe");
    }
    CheckKeys r(std::move(use), expanded ? std::optional(expanded->map()) : std::nullopt);

    if (auto v = r.own_required("id")) {
      if (auto s = v->text()) {
        if (!is_check_id(*s)) {
          v->error("check ids may use only a-z, 0-9, _ and -, got '" + *s + "'");
        }
        check->id = *s;
      }
    }
    auto probe = r.required("probe");
    if (probe) check->probe_type = probe->text().value_or("");
    auto target = r.required("target");
    if (target) check->target = target->text().value_or("");
    check->interval = config_.agent.default_interval;
    check->timeout = config_.agent.default_timeout;
    auto interval = r.get("interval");
    if (interval) check->interval = read_duration(*interval).value_or(check->interval);
    auto timeout = r.get("timeout");
    if (timeout) check->timeout = read_duration(*timeout).value_or(check->timeout);
    if (check->timeout > check->interval) {
      (timeout    ? *timeout
       : interval ? *interval
                  : r.self())
          .error("timeout " + format_duration(check->timeout) + " is longer than the interval " +
                 format_duration(check->interval));
    }
    if (auto v = r.get("labels")) check->labels = read_labels(*v);
    if (auto v = r.get("indicators")) {
      if (auto ids = v->string_list()) {
        for (const auto& id : *ids) {
          if (!options_.catalog.find(id)) {
            v->error("unknown indicator '" + id + "' (see campus-probe indicators)");
          } else if (std::find(check->indicators.begin(), check->indicators.end(), id) ==
                     check->indicators.end()) {
            check->indicators.push_back(id);
          }
        }
      }
    }
    if (auto v = r.get("active")) check->active = read_window(*v);
    if (auto v = r.get("sites")) {
      check->sites = read_site_selector(*v, config_.sites, config_.agent.labels);
    }
    auto session = r.get("session");
    if (session) {
      if (auto name = session->text()) {
        auto it = config_.sessions.find(*name);
        if (it != config_.sessions.end()) {
          check->session = *name;
        } else if (!session_names_.count(*name)) {  // a broken session has its own errors
          std::string known;
          for (const auto& [n, s] : config_.sessions)
            known += (known.empty() ? "" : ", ") + n;
          session->error(
              "unknown session '" + *name + "'" +
              (known.empty() ? " (the config has no sessions:)" : " (known: " + known + ")"));
        }
      }
    }
    if (auto v = r.get("retries")) check->retries = int(v->integer(0, 10).value_or(0));
    if (auto v = r.get("fail_after")) check->fail_after = int(v->integer(1, 100).value_or(1));
    auto params = r.get("params");
    if (params && !params->is_map()) params->error("expected a mapping");
    if (expanded && item.node()["params"]) {
      item.map().get("params")->error(
          "a check that uses a recipe takes its parameters in with:, not params:");
    }
    r.finish();

    if (source_.diagnostics->size() == errors_before) {
      // Anything that changes what a run does changes the fingerprint: a check whose
      // fingerprint is unchanged by a reload is the same check and keeps its history.
      std::string material = YAML::Dump(item.node());
      if (expanded) material += '\0' + YAML::Dump(expanded->node());
      for (const auto& secret : config_.secrets.values())
        material += '\0' + secret;
      // A check of a session runs differently when its session's login does.
      if (!check->session.empty())
        material += '\0' + config_.sessions.at(check->session)->fingerprint;
      check->fingerprint = sha256_hex(material);
    } else if (check->probe_type.empty()) {
      return std::nullopt;  // the build step could not tell anything more
    }
    if (!probe) return std::nullopt;
    return std::pair{std::move(check), CheckSource{*probe, target, params, session}};
  }

  // The recipe named at `name` expanded for the check at `item`, or nullopt after recording why.
  std::optional<YamlValue> expand(const YamlValue& item, const YamlValue& name,
                                  const std::optional<YamlValue>& with, CheckSpec& check) {
    if (!recipes_) {
      recipes_ = RecipeBook::load(config_.agent.recipe_dirs,
                                  loaded_.recipe_dirs ? &*loaded_.recipe_dirs : nullptr,
                                  *source_.diagnostics);
    }
    const auto text = name.text();
    if (!text) return std::nullopt;
    const Recipe* recipe = recipes_->find(*text);
    if (!recipe) {
      name.error("unknown recipe '" + *text + "' (known: " + recipes_->names() + ")");
      return std::nullopt;
    }
    const std::string path = item.path() + " (recipe " + recipe->name + " used at " + source_.file +
                             ":" + std::to_string(item.line()) + ")";
    RecipeExpansion expansion = expand_recipe(*recipe, item, with, path, *source_.diagnostics);
    if (!expansion.check) return std::nullopt;
    check.recipe = recipe->name;
    check.recipe_expansion = YAML::Dump(expansion.check->node());
    loaded_.recipe_sources.push_back(std::move(expansion.source));
    return expansion.check;
  }

  const ConfigLoadOptions& options_;
  const YamlSource& source_;
  LoadedConfig& loaded_;
  std::optional<RecipeBook> recipes_;  // read when the first check uses a recipe
  std::optional<YamlValue> waivers_;   // parsed once the checks are known
  Config& config_;
  fs::path base_dir_;
  std::set<std::string, std::less<>> session_names_;  // every session, also those with problems
  std::optional<YamlValue> agent_site_;               // where agent.site was written
  std::optional<YamlValue> push_grouping_;            // where push.grouping was written
};

}  // namespace

const std::string& CheckSpec::system() const {
  static const std::string unknown = "unknown";
  auto it = labels.find("system");
  return it == labels.end() ? unknown : it->second;
}

bool MaintenanceWindow::selects(const CheckSpec& check) const {
  if (std::find(checks.begin(), checks.end(), check.id) != checks.end()) return true;
  if (std::find(systems.begin(), systems.end(), check.system()) != systems.end()) return true;
  if (labels.empty()) return false;
  for (const auto& [key, value] : labels) {
    auto it = check.labels.find(key);
    if (it == check.labels.end() || it->second != value) return false;
  }
  return true;
}

std::shared_ptr<const Waiver> Config::waiver_for_indicator(
    std::string_view id, std::chrono::system_clock::time_point t) const {
  for (const auto& w : waivers) {
    if (w->indicator == id && w->active(t)) return w;
  }
  return nullptr;
}

std::shared_ptr<const Waiver> Config::waiver_for_check(
    std::string_view id, std::chrono::system_clock::time_point t) const {
  for (const auto& w : waivers) {
    if (w->check == id && w->active(t)) return w;
  }
  return nullptr;
}

std::shared_ptr<const Attestation> Config::attestation_for(
    std::string_view id, std::chrono::system_clock::time_point t) const {
  std::shared_ptr<const Attestation> best;
  for (const auto& a : attestations) {
    if (a->indicator == id && a->valid(t) && (!best || a->expires > best->expires)) best = a;
  }
  return best;
}

std::shared_ptr<const MaintenanceWindow> Config::maintenance_for(
    const CheckSpec& check, std::chrono::system_clock::time_point t) const {
  for (const auto& w : maintenance) {
    if (w->contains(t) && w->selects(check)) return w;
  }
  return nullptr;
}

std::map<std::string, std::string> Config::labels_of(std::string_view site) const {
  auto labels = agent.labels;
  if (auto it = sites.find(site); it != sites.end()) {
    for (const auto& [name, value] : it->second.labels)
      labels[name] = value;
  }
  return labels;
}

std::map<std::string, std::string> Config::site_labels() const {
  return labels_of(agent.site);
}

bool Config::runs_on(const CheckSpec& check, std::string_view site) const {
  return !check.sites || check.sites->selects(site, labels_of(site));
}

const CheckSpec* Config::find_check(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

void Config::index_checks() {
  by_id_.clear();
  by_id_.reserve(checks.size());
  for (const auto& c : checks)
    by_id_.emplace(c->id, c.get());
}

IndicatorPolicy Config::policy_of(const std::string& indicator_id) const {
  auto it = indicator_policies.find(indicator_id);
  return it == indicator_policies.end() ? IndicatorPolicy::all : it->second;
}

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::optional<LoadedConfig> load_config_text(const std::string& file_name, std::string_view text,
                                             const ConfigLoadOptions& options,
                                             Diagnostics& diagnostics) {
  LoadedConfig loaded;
  loaded.source = std::make_unique<YamlSource>(YamlSource{file_name, &diagnostics});
  loaded.config.file = file_name;
  auto root = YamlValue::parse(text, loaded.source.get());
  if (!root) return std::nullopt;
  if (root->is_null()) {
    diagnostics.error(file_name, 1, 1, "", "the config is empty");
    return std::nullopt;
  }
  ConfigParser(options, *loaded.source, loaded).parse(*root);
  loaded.config.index_checks();
  return loaded;
}

std::optional<LoadedConfig> load_config_file(const std::string& path,
                                             const ConfigLoadOptions& options,
                                             Diagnostics& diagnostics) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error(path, 0, 0, "", "cannot read the config file");
    return std::nullopt;
  }
  // A campus config is kilobytes; 10,000 checks are about 2 MiB. A bigger file is a mistake (or
  // an attack on the parser), refused before it is read.
  constexpr std::uintmax_t kMaxConfigBytes = 16u << 20;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxConfigBytes) {
    diagnostics.error(
        path, 0, 0, "",
        "the config file is " + std::to_string(size >> 20) + " MiB; at most 16 MiB is read");
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_config_text(path, text.str(), options, diagnostics);
}

std::string config_summary(const Config& config, const Catalog& catalog) {
  std::map<std::string, int> per_type;
  std::set<std::string> covered;
  for (const auto& c : config.checks) {
    ++per_type[c->probe_type];
    covered.insert(c->indicators.begin(), c->indicators.end());
  }
  std::set<std::string> attested;
  for (const auto& a : config.attestations) {
    if (!covered.count(a->indicator)) attested.insert(a->indicator);
  }
  std::string out = std::to_string(config.checks.size()) + " checks (";
  bool first = true;
  for (const auto& [type, n] : per_type) {
    out += (first ? "" : ", ") + type + " " + std::to_string(n);
    first = false;
  }
  out += "); indicators covered:";
  for (Edition e : config.editions) {
    const auto* edition = catalog.edition(e);
    if (!edition) continue;
    int n = 0, by_people = 0;
    for (const auto& i : edition->indicators) {
      n += covered.count(i.id) || attested.count(i.id) ? 1 : 0;
      by_people += attested.count(i.id) ? 1 : 0;
    }
    out += " " + std::string(to_string(e)) + " " + std::to_string(n) + "/" +
           std::to_string(edition->indicators.size());
    if (by_people) out += " (" + std::to_string(by_people) + " by attestation only)";
  }
  return out;
}

}  // namespace campus
