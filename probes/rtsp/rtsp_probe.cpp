// The `rtsp` probe: classroom cameras for video patrol (教学督导员能进行视频巡课). OPTIONS, then
// DESCRIBE on the stream through libcurl's RTSP support on the agent's curl driver, with Digest or
// Basic credentials; passes when the session description offers the expected media and codec.

#include <algorithm>
#include <utility>

#include <boost/asio/use_awaitable.hpp>

#include "common/curl_result.h"
#include "common/curl_setup.h"
#include "common/settings.h"
#include "core/redactor.h"
#include "core/regex.h"
#include "core/text_width.h"
#include "net/curl_driver.h"
#include "net/curl_handles.h"
#include "probe/registry.h"
#include "sdp.h"

namespace campus {
namespace {

struct RtspSettings {
  std::string url;
  std::optional<std::pair<std::string, Secret>> credentials;
  std::vector<std::string> expect_media = {"video"};
  std::optional<Regex> expect_codec;
};

std::optional<RtspSettings> parse_rtsp_settings(ProbeSetup& setup) {
  RtspSettings s;
  s.url = setup.target;
  if (!check_url_scheme(setup.target_value, s.url, {"rtsp"},
                        "expected an rtsp:// URL of the stream, e.g. "
                        "rtsp://10.20.1.15:554/Streaming/Channels/101")) {
    return std::nullopt;
  }
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    if (auto v = r.get("credentials")) {
      if (auto account = setup.account(*v, "the camera account")) {
        s.credentials = std::pair(account->username, account->password);
      }
    }
    if (auto v = r.get("expect_media")) s.expect_media = v->string_list().value_or(s.expect_media);
    if (auto v = r.get("expect_codec")) {
      if (auto text = v->string()) {
        std::string error;
        s.expect_codec = Regex::compile("(?i)^(?:" + *text + ")$", error);
        if (!s.expect_codec) v->error("bad codec pattern: " + error);
      }
    }
  });
  if (!ok) return std::nullopt;
  return s;
}

struct Transfer {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  RunLog* log = nullptr;

  static size_t on_body(char* data, size_t size, size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    const size_t n = size * count;
    if (t->body.size() + n > 64 * 1024) return 0;  // an SDP is small; anything else is not one
    t->body.append(data, n);
    return n;
  }
  static size_t on_header(char* data, size_t size, size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    const size_t n = size * count;
    std::string line(data, n);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
      line.pop_back();
    if (line.empty()) return n;
    const auto colon = line.find(':');
    if (line.rfind("RTSP/", 0) == 0 || colon == std::string::npos) {
      t->log->add("< ", line);
      return n;
    }
    std::string name = line.substr(0, colon);
    std::string value = line.substr(line.find_first_not_of(' ', colon + 1) == std::string::npos
                                        ? line.size()
                                        : line.find_first_not_of(' ', colon + 1));
    t->log->add("< ", name, ": ",
                Redactor::is_sensitive_name(name) ? std::string(kRedacted) : value);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    t->headers.emplace_back(std::move(name), std::move(value));
    return n;
  }
  std::string header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return {};
  }
};

class RtspProbe final : public Probe {
 public:
  explicit RtspProbe(RtspSettings s) : s_(std::move(s)) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    CurlEasy easy = make_curl_easy();
    CURL* e = easy.get();
    char error[CURL_ERROR_SIZE] = {0};
    Transfer t;
    t.log = &ctx.log;
    curl_easy_setopt(e, CURLOPT_URL, s_.url.c_str());
    curl_easy_setopt(e, CURLOPT_RTSP_STREAM_URI, s_.url.c_str());
    // OPTIONS and DESCRIBE share one connection, as RTSP clients do.
    apply_curl_setup(e, ctx,
                     {.error_buffer = error,
                      .on_body = &Transfer::on_body,
                      .on_header = &Transfer::on_header,
                      .callback_data = &t});
    if (s_.credentials) {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC | CURLAUTH_DIGEST);
      curl_easy_setopt(e, CURLOPT_USERNAME, s_.credentials->first.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, s_.credentials->second.value().c_str());
    }
    nlohmann::json evidence = {{"url", s_.url}};
    ProbeResult phases = ProbeResult::pass("");

    // OPTIONS: is an RTSP server there, and what does it support?
    curl_easy_setopt(e, CURLOPT_RTSP_REQUEST, long(CURL_RTSPREQ_OPTIONS));
    ctx.log.add("> OPTIONS ", s_.url);
    auto started = std::chrono::steady_clock::now();
    CURLcode rc = co_await ctx.curl.async_perform(e, ctx.cancel, boost::asio::use_awaitable);
    const double options_seconds = seconds_since(started);
    phases.phase("options", options_seconds);
    phases.measure("rtsp_options_duration_seconds", options_seconds);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    auto failed = [&](FailureKind kind, std::string reason) {
      ProbeResult r = ProbeResult::fail(kind, std::move(reason), evidence);
      r.phases = phases.phases;
      r.measurements = phases.measurements;
      return r;
    };
    if (rc != CURLE_OK)
      co_return failed(failure_kind_of(rc), "OPTIONS: " + describe_curl_failure(e, rc, error));
    evidence["options_status"] = status;
    evidence["public"] = t.header("public");
    if (!t.header("server").empty()) evidence["server"] = utf8_excerpt(t.header("server"), 100);
    if (status == 401)
      co_return failed(FailureKind::auth_rejected,
                       "OPTIONS: 401, the camera refused the credentials");

    // DESCRIBE: the session description of the stream.
    t.body.clear();
    t.headers.clear();
    curl_easy_setopt(e, CURLOPT_RTSP_REQUEST, long(CURL_RTSPREQ_DESCRIBE));
    // curl's limit counts from each request: DESCRIBE gets what is left of the run, so that it
    // too times out before the deadline and says where.
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, curl_timeout_ms(ctx));
    ctx.log.add("> DESCRIBE ", s_.url);
    started = std::chrono::steady_clock::now();
    rc = co_await ctx.curl.async_perform(e, ctx.cancel, boost::asio::use_awaitable);
    const double describe_seconds = seconds_since(started);
    phases.phase("describe", describe_seconds);
    phases.measure("rtsp_describe_duration_seconds", describe_seconds);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    evidence["describe_status"] = status;
    if (rc != CURLE_OK)
      co_return failed(failure_kind_of(rc), "DESCRIBE: " + describe_curl_failure(e, rc, error));
    if (status == 401 || status == 403) {
      co_return failed(FailureKind::auth_rejected,
                       "DESCRIBE: " + std::to_string(status) +
                           (s_.credentials ? ", the camera refused the credentials"
                                           : ", the camera wants credentials"));
    }
    if (status != 200)
      co_return failed(FailureKind::bad_status,
                       "DESCRIBE: expected 200, got " + std::to_string(status));
    const auto media = parse_sdp_media(t.body);
    nlohmann::json media_evidence = nlohmann::json::array();
    std::string offered;
    for (const auto& m : media) {
      media_evidence.push_back({{"type", m.type}, {"codecs", m.codecs}});
      offered += (offered.empty() ? "" : ", ") + m.type;
      for (const auto& c : m.codecs)
        offered += " " + c;
    }
    evidence["media"] = media_evidence;
    if (media.empty())
      co_return failed(FailureKind::bad_content, "DESCRIBE: the answer has no media (not an SDP?)");
    for (const auto& wanted : s_.expect_media) {
      const auto found = std::find_if(media.begin(), media.end(),
                                      [&](const SdpMedia& m) { return m.type == wanted; });
      if (found == media.end()) {
        co_return failed(FailureKind::bad_content,
                         "no " + wanted + " media in the SDP (offered: " + offered + ")");
      }
    }
    if (s_.expect_codec) {
      const bool any = std::any_of(media.begin(), media.end(), [&](const SdpMedia& m) {
        return std::any_of(m.codecs.begin(), m.codecs.end(),
                           [&](const std::string& c) { return s_.expect_codec->search(c); });
      });
      if (!any)
        co_return failed(FailureKind::bad_content,
                         "no stream in the expected codec (offered: " + offered + ")");
    }
    ProbeResult result = ProbeResult::pass("stream described: " + offered);
    result.phases = std::move(phases.phases);
    result.measurements = std::move(phases.measurements);
    result.evidence = std::move(evidence);
    co_return result;
  }

 private:
  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  RtspSettings s_;
};

}  // namespace

CAMPUS_REGISTER_PROBE(
    "rtsp", probe_from_settings<RtspProbe>(parse_rtsp_settings),
    .measurements = {{"rtsp_options_duration_seconds", "Time the RTSP OPTIONS request took"},
                     {"rtsp_describe_duration_seconds", "Time the RTSP DESCRIBE request took"}});

}  // namespace campus
