// The `feed` probe: a system is alive when its events keep coming. The newest event of an HTTP
// JSON API (GET, or POST with headers and a body, as search APIs of door controllers ask), a log
// file (Suricata eve.json, syslog) or an MQTT topic must be at most `max_age` old, and
// optionally at least `min_events` must have arrived within `window`. Silence of the
// attack-monitoring feed, the one-card transactions or the door-access events means that
// system is dead, whatever its web page says.

#include <algorithm>
#include <cctype>
#include <utility>

#include "common/curl_result.h"
#include "common/http_session.h"
#include "common/settings.h"
#include "common/template_settings.h"
#include "common/transforms.h"
#include "core/duration.h"
#include "core/json_parse.h"
#include "core/strings.h"
#include "core/text_width.h"
#include "feed_file.h"
#include "feed_mqtt.h"
#include "feed_time.h"
#include "probe/blocking.h"
#include "probe/registry.h"

namespace campus {
namespace {

using namespace feed;
using std::chrono::duration_cast;
using std::chrono::seconds;

struct FeedSettings {
  enum class Source { http, file, mqtt } source = Source::http;
  std::string target;
  std::chrono::milliseconds max_age{std::chrono::minutes(15)};
  std::size_t min_events = 0;
  std::chrono::milliseconds window{std::chrono::hours(1)};
  TimeFormat time_format = TimeFormat::automatic;
  std::chrono::minutes zone{480};
  std::chrono::milliseconds future_tolerance{std::chrono::minutes(5)};
  // http
  std::string timestamp = "/timestamp";
  WebOptions web;
  std::string method = "GET";
  std::vector<std::pair<std::string, Template>> headers;
  std::optional<Template> body;
  std::vector<SecretReference> secrets;  ///< what the headers and body read
  std::optional<std::pair<std::string, std::string>> basic;
  std::optional<std::pair<std::string, std::string>> digest;
  std::optional<std::string> bearer;
  // file
  FileFormat file_format = FileFormat::eve;
  std::optional<std::string> event_type;
  // mqtt
  MqttQuery mqtt;
};

// A header or the body reads ${target}, ${secret.NAME.FIELD} and the template functions.
void check_references(ProbeSetup& setup, const Template& t, const YamlValue& at, FeedSettings& s) {
  for (const auto& ref : t.references()) {
    if (is_secret_reference(ref)) {
      add_secret_reference(setup.secrets, ref, at, s.secrets);
    } else if (ref != "target") {
      at.error("${" + ref + "} is not set: a feed's headers and body read ${target} and " +
               "${secret.NAME.FIELD}");
    }
  }
}

// method, headers and body of the http source.
void read_request(ProbeSetup& setup, YamlMapReader& r, FeedSettings& s) {
  if (auto v = r.get("method")) {
    if (auto m = v->string()) {
      std::string method = *m;
      std::transform(method.begin(), method.end(), method.begin(),
                     [](unsigned char c) { return char(std::toupper(c)); });
      if (method == "GET" || method == "POST")
        s.method = method;
      else
        report_bad_choice(*v, {"GET", "POST"}, *m);
    }
  }
  if (auto v = r.get("headers")) {
    auto hr = v->map();
    for (auto& [name, value] : hr.entries()) {
      if (auto t = read_template(value)) {
        check_references(setup, *t, value, s);
        s.headers.emplace_back(name, std::move(*t));
      }
    }
  }
  if (auto v = r.get("body")) {
    if (s.method != "POST") {
      v->error("a body is sent only with method: POST");
    } else if (auto t = read_template(*v)) {
      check_references(setup, *t, *v, s);
      s.body = std::move(*t);
    }
  }
}

std::optional<FeedSettings> parse_feed_settings(ProbeSetup& setup) {
  FeedSettings s;
  s.target = setup.target;
  if (has_url_scheme(s.target, {"http", "https"})) {
    s.source = FeedSettings::Source::http;
  } else if (has_url_scheme(s.target, {"mqtt", "mqtts"})) {
    s.source = FeedSettings::Source::mqtt;
  } else if (!s.target.empty() && s.target[0] == '/') {
    s.source = FeedSettings::Source::file;
  } else {
    setup.target_value.error(
        "expected an http(s):// URL, an mqtt(s)://host[:port]/topic URL or an absolute file path");
    return std::nullopt;
  }
  if (s.source == FeedSettings::Source::mqtt) {
    const bool tls = has_url_scheme(s.target, {"mqtts"});
    std::string_view rest = std::string_view(s.target).substr(tls ? 8 : 7);
    const auto slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    s.mqtt.topic = slash == std::string_view::npos ? "" : url_decode(rest.substr(slash + 1));
    s.mqtt.use_tls = tls;
    s.mqtt.port = tls ? 8883 : 1883;
    const auto colon = authority.rfind(':');
    s.mqtt.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      s.mqtt.port = std::atoi(std::string(authority.substr(colon + 1)).c_str());
    if (s.mqtt.host.empty() || s.mqtt.topic.empty() || s.mqtt.port <= 0 || s.mqtt.port > 65535) {
      setup.target_value.error("expected mqtt://host[:port]/topic (a # wildcard written %23)");
      return std::nullopt;
    }
  }
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    if (auto v = r.get("source")) {
      const auto source = v->string().value_or("");
      const bool matches = (source == "http" && s.source == FeedSettings::Source::http) ||
                           (source == "file" && s.source == FeedSettings::Source::file) ||
                           (source == "mqtt" && s.source == FeedSettings::Source::mqtt);
      if (!matches) v->error("source " + source + " does not match the target " + s.target);
    }
    if (auto v = r.get("max_age")) s.max_age = read_duration(*v).value_or(s.max_age);
    if (auto v = r.get("min_events"))
      s.min_events = std::size_t(v->integer(0, 1000000).value_or(0));
    if (auto v = r.get("window")) s.window = read_duration(*v).value_or(s.window);
    if (auto v = r.get("time_format")) {
      read_enum(*v, s.time_format,
                {{"auto", TimeFormat::automatic},
                 {"rfc3339", TimeFormat::rfc3339},
                 {"epoch_seconds", TimeFormat::epoch_seconds},
                 {"epoch_milliseconds", TimeFormat::epoch_milliseconds},
                 {"local", TimeFormat::local}});
    }
    if (auto v = r.get("time_zone")) {
      const auto z = v->string().value_or("");
      if (auto offset = zone_offset(z)) {
        s.zone = *offset;
      } else {
        v->error(
            "expected a UTC offset like +08:00 or a zone without daylight saving time such as "
            "Asia/Shanghai");
      }
    }
    if (auto v = r.get("timestamp")) {
      s.timestamp = v->text().value_or(s.timestamp);
      if (s.timestamp.empty() || s.timestamp[0] != '/')
        v->error("expected a JSON pointer like /data/*/time");
      s.mqtt.timestamp_pointer = s.timestamp;
    }
    if (s.source == FeedSettings::Source::http) {
      s.web.read(r);
      read_request(setup, r, s);
      if (auto v = r.get("auth")) {
        auto ar = v->map();
        auto basic = ar.get("basic");
        auto bearer = ar.get("bearer");
        auto digest = ar.get("digest");
        if (int(bool(basic)) + int(bool(bearer)) + int(bool(digest)) > 1)
          v->error("give one of basic, bearer or digest, not several");
        if (basic) {
          if (auto account = setup.account(*basic, "basic auth")) {
            s.basic = std::pair(account->username, account->password.value());
          }
        }
        if (digest) {
          if (auto account = setup.account(*digest, "digest auth")) {
            s.digest = std::pair(account->username, account->password.value());
          }
        }
        if (bearer) {
          if (const SecretSet* set = setup.secret_set(*bearer)) {
            if (!set->token)
              bearer->error("bearer auth needs a secret with a token");
            else
              s.bearer = set->token->value();
          }
        }
        ar.finish();
      }
    }
    if (s.source == FeedSettings::Source::file) {
      if (auto v = r.get("format")) {
        read_enum(*v, s.file_format,
                  {{"eve", FileFormat::eve},
                   {"syslog", FileFormat::syslog},
                   {"mtime", FileFormat::mtime}});
      }
      if (auto v = r.get("event_type")) s.event_type = v->text();
    }
    if (s.source == FeedSettings::Source::mqtt) {
      if (auto v = r.get("credentials")) {
        if (const SecretSet* set = setup.secret_set(*v)) {
          s.mqtt.username = set->username;
          if (set->password) s.mqtt.password = set->password->value();
        }
      }
      if (auto v = r.get("tls")) {
        read_tls_block(*v, s.mqtt.tls, {TlsKey::verify, TlsKey::ca_file});
      }
    }
  });
  if (!ok) return std::nullopt;
  s.mqtt.time_format = s.time_format;
  s.mqtt.zone = s.zone;
  s.mqtt.enough_messages = std::max<std::size_t>(1, s.min_events);
  return s;
}

// The times found, judged against max_age, min_events and the future.
struct Found {
  std::optional<TimePoint> newest;
  std::size_t in_window = 0;
  std::size_t seen = 0;
};

class FeedProbe final : public Probe {
 public:
  explicit FeedProbe(FeedSettings s) : s_(std::make_shared<const FeedSettings>(std::move(s))) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    switch (s_->source) {
      case FeedSettings::Source::http:
        co_return co_await run_http(ctx);
      case FeedSettings::Source::file:
        co_return co_await run_file(ctx);
      case FeedSettings::Source::mqtt:
        co_return co_await run_mqtt(ctx);
    }
    co_return ProbeResult::error("unknown source");
  }

 private:
  boost::asio::awaitable<ProbeResult> run_http(ProbeContext& ctx) {
    WebSession session(ctx, s_->web);
    WebRequest request;
    request.method = s_->method;
    request.url = s_->target;
    request.follow_redirects = true;
    std::string problem;
    if (!build_request(session, request, problem)) {
      co_return ProbeResult::fail(FailureKind::bad_content, "cannot build the request: " + problem,
                                  {{"source", "http"}, {"url", s_->target}});
    }
    if (s_->bearer) {
      session.hide(*s_->bearer);
      request.headers.emplace_back("Authorization", "Bearer " + *s_->bearer);
    }
    if (s_->basic) {
      session.hide(s_->basic->second);
      request.basic_auth = s_->basic;
    }
    if (s_->digest) {
      session.hide(s_->digest->second);
      request.digest_auth = s_->digest;
    }
    const WebResponse r = co_await session.send(request);
    nlohmann::json evidence = {
        {"source", "http"}, {"method", s_->method}, {"url", s_->target}, {"status", r.status}};
    if (!r.ok()) co_return ProbeResult::fail(failure_kind_of(r), r.error, evidence);
    if (r.status < 200 || r.status > 299) {
      co_return ProbeResult::fail(
          r.status == 401 || r.status == 403 ? FailureKind::auth_rejected : FailureKind::bad_status,
          "expected status 2xx, got " + std::to_string(r.status), evidence);
    }
    const auto parsed = parse_json_limited(r.body);
    if (!parsed.limit.empty()) {
      co_return ProbeResult::fail(FailureKind::bad_content, "feed JSON " + parsed.limit, evidence);
    }
    const auto& json = parsed.value;
    if (json.is_discarded()) {
      // A feed that echoes the request (an error page quoting it) shows what was derived from
      // a secret: the session hides it.
      co_return ProbeResult::fail(
          FailureKind::bad_content,
          session.redact("the feed is not JSON: \"" + utf8_excerpt(r.body, 60) + "\""), evidence);
    }
    const auto values = select_values(json, s_->timestamp);
    evidence["values"] = values.size();
    if (values.empty()) {
      co_return ProbeResult::fail(
          FailureKind::bad_content,
          "no value at " + s_->timestamp + " (an empty list, or another shape)", evidence);
    }
    Found found;
    const auto now = std::chrono::system_clock::now();
    std::string unreadable;
    for (const auto* value : values) {
      const auto t = parse_json_time(*value, s_->time_format, s_->zone);
      if (!t) {
        if (unreadable.empty()) unreadable = utf8_excerpt(value->dump(), 60);
        continue;
      }
      ++found.seen;
      if (!found.newest || *t > *found.newest) found.newest = t;
      if (*t >= now - s_->window) ++found.in_window;
    }
    if (!found.newest) {
      co_return ProbeResult::fail(
          FailureKind::bad_content,
          session.redact("none of the " + std::to_string(values.size()) + " value(s) at " +
                         s_->timestamp + " is a timestamp (e.g. " + unreadable + ")"),
          evidence);
    }
    co_return judge(found, now, std::move(evidence));
  }

  // The configured headers and body, expanded, with what derives from a secret hidden from the
  // log; Accept and Content-Type unless given.
  bool build_request(WebSession& session, WebRequest& request, std::string& problem) const {
    Variables variables;
    variables.set("target", s_->target, false);
    set_secret_variables(variables, s_->secrets);
    auto expand = [&](const Template& t) -> std::optional<std::string> {
      auto v = t.expand(variables, problem);
      if (!v) return std::nullopt;
      for (auto& part : v->sensitive_parts)
        session.hide(std::move(part));
      return std::move(v->text);
    };
    auto given = [&](std::string_view name) {
      return std::any_of(s_->headers.begin(), s_->headers.end(),
                         [&](const auto& h) { return iequals(h.first, name); });
    };
    if (!given("Accept")) request.headers.emplace_back("Accept", "application/json");
    for (const auto& [name, t] : s_->headers) {
      auto value = expand(t);
      if (!value) return false;
      request.headers.emplace_back(name, std::move(*value));
    }
    if (s_->body) {
      auto body = expand(*s_->body);
      if (!body) return false;
      if (!given("Content-Type")) {
        const auto first = body->find_first_not_of(" \t\r\n");
        const bool json =
            first != std::string::npos && (body->at(first) == '{' || body->at(first) == '[');
        request.headers.emplace_back(
            "Content-Type", json ? "application/json" : "application/x-www-form-urlencoded");
      }
      request.body = std::move(*body);
    }
    return true;
  }

  boost::asio::awaitable<ProbeResult> run_file(ProbeContext& ctx) {
    FileQuery query;
    query.path = s_->target;
    query.format = s_->file_format;
    query.event_type = s_->event_type;
    query.zone = s_->zone;
    query.now = std::chrono::system_clock::now();
    if (s_->min_events > 0) query.window_start = query.now - s_->window;
    const std::function<FileEvents()> work = [query] { return read_file_events(query); };
    auto events = co_await run_blocking<FileEvents>(ctx, work);
    if (!events)
      co_return ProbeResult::fail(FailureKind::timeout, "reading the file took too long");
    nlohmann::json evidence = {{"source", "file"},
                               {"file", events->file.empty() ? s_->target : events->file},
                               {"lines_scanned", events->lines_scanned}};
    ctx.log.add("scanned ", std::to_string(events->lines_scanned), " line(s) of ", s_->target);
    if (!events->error.empty())
      co_return ProbeResult::fail(FailureKind::connect, events->error, evidence);
    if (!events->newest) {
      const std::string what = s_->event_type ? "no " + *s_->event_type + " event" : "no event";
      co_return ProbeResult::fail(FailureKind::bad_content,
                                  events->lines_scanned == 0
                                      ? "the file is empty"
                                      : what + " with a readable timestamp in the last " +
                                            std::to_string(events->lines_scanned) + " line(s)",
                                  evidence);
    }
    Found found{events->newest, events->in_window, events->in_window};
    co_return judge(found, query.now, std::move(evidence));
  }

  boost::asio::awaitable<ProbeResult> run_mqtt(ProbeContext& ctx) {
    MqttQuery query = s_->mqtt;
    // Wait for messages until shortly before the deadline, so the verdict still arrives in time.
    query.wait =
        std::max(std::chrono::milliseconds(100), ctx.remaining() - std::chrono::milliseconds(300));
    const std::function<MqttOutcome()> work = [query] { return wait_for_messages(query); };
    auto outcome = co_await run_blocking<MqttOutcome>(ctx, work);
    if (!outcome)
      co_return ProbeResult::fail(FailureKind::timeout, "the MQTT session did not end in time");
    for (const auto& line : outcome->log)
      ctx.log.add(line);
    nlohmann::json evidence = {{"source", "mqtt"},
                               {"broker", query.host + ":" + std::to_string(query.port)},
                               {"topic", query.topic},
                               {"messages", outcome->messages},
                               {"retained", outcome->retained}};
    if (!outcome->ok) co_return ProbeResult::fail(outcome->kind, outcome->error, evidence);
    const auto now = std::chrono::system_clock::now();
    Found found;
    for (const auto& t : outcome->times) {
      ++found.seen;
      if (!found.newest || t > *found.newest) found.newest = t;
      if (t >= now - s_->window) ++found.in_window;
    }
    if (!found.newest) {
      co_return ProbeResult::fail(
          FailureKind::bad_content,
          outcome->unreadable > 0
              ? std::to_string(outcome->unreadable) +
                    " message(s) without a readable timestamp at " + s_->timestamp
              : "no message on " + query.topic + " within " + format_duration(query.wait),
          evidence);
    }
    co_return judge(found, now, std::move(evidence));
  }

  ProbeResult judge(const Found& found, TimePoint now, nlohmann::json evidence) const {
    const auto age = duration_cast<seconds>(now - *found.newest);
    evidence["newest_event_age_seconds"] = age.count();
    evidence["events_in_window"] = found.in_window;
    auto with_measurements = [&](ProbeResult r) {
      r.measure("feed_last_event_age_seconds", double(age.count()));
      r.measure("feed_events_seen", double(found.seen));
      if (s_->min_events > 0) r.measure("feed_events_in_window", double(found.in_window));
      r.evidence = std::move(evidence);
      return r;
    };
    if (now - *found.newest < -s_->future_tolerance) {
      return with_measurements(
          ProbeResult::fail(FailureKind::bad_content,
                            "the newest event is dated " + describe_age(-age) +
                                " in the future (a wrong clock or time zone at the source?)"));
    }
    if (age > duration_cast<seconds>(s_->max_age)) {
      return with_measurements(ProbeResult::fail(
          FailureKind::bad_content, "the newest event is " + describe_age(age) + " old (max_age " +
                                        format_duration(s_->max_age) + ")"));
    }
    if (found.in_window < s_->min_events) {
      return with_measurements(ProbeResult::fail(
          FailureKind::bad_content, std::to_string(found.in_window) + " event(s) in the last " +
                                        format_duration(s_->window) + ", expected at least " +
                                        std::to_string(s_->min_events)));
    }
    return with_measurements(
        ProbeResult::pass("newest event " + describe_age(std::max(age, seconds(0))) + " old" +
                          (s_->min_events > 0 ? ", " + std::to_string(found.in_window) +
                                                    " in the last " + format_duration(s_->window)
                                              : "")));
  }

  std::shared_ptr<const FeedSettings> s_;
};

}  // namespace

CAMPUS_REGISTER_PROBE(
    "feed", probe_from_settings<FeedProbe>(parse_feed_settings),
    .measurements = {{"feed_last_event_age_seconds", "Age of the newest event in the feed"},
                     {"feed_events_seen", "Events with a readable time seen in the last run"},
                     {"feed_events_in_window", "Events within the configured window"}},
    .uses_session = true);

}  // namespace campus
