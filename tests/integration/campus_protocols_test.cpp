// The campus protocol probes on 127.0.0.1: radius against a real FreeRADIUS, sip2 against the
// SIP2 simulator (no SIP2 server is packaged in Debian), feed against nginx and mosquitto, rtsp
// against GStreamer's RTSP server.

#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "support.h"

using namespace campus;
using namespace campus::test;
using namespace std::chrono_literals;

namespace {

// Secret files for the RADIUS shared secret and the test accounts.
struct RadiusSecrets {
  TempDir dir;
  std::string secrets;

  RadiusSecrets() {
    add("nas", "", "testing123", "secret");
    add("nas_wrong", "", "not-testing123", "secret");
    add("student", "student1", "radpass1", "password");
    add("student_wrong", "student1", "wrong-radpass", "password");
    add("locked", "locked1", "radpass1", "password");
  }
  void add(const std::string& name, const std::string& user, const std::string& value,
           const std::string& kind) {
    secrets += "  " + name + ": {" + (user.empty() ? "" : "username: " + user + ", ") + kind +
               "_file: " + dir.file(name, value) + "}\n";
  }
  RunRecord run(const std::string& port, const std::string& params,
                const std::string& timeout = "5s") const {
    return run_check("secrets:\n" + secrets +
                         "checks:\n  - id: t\n    probe: radius\n    target: \"127.0.0.1:" + port +
                         "\"\n    timeout: " + timeout + "\n    params: " + params + "\n",
                     "t");
  }
};

}  // namespace

TEST_CASE("radius: an accepted login, with the answer's authenticators verified") {
  RadiusSecrets s;
  auto r = s.run(server("RADIUS_PORT"), "{secret: nas, credentials: student}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.reason == "student1: Access-Accept");
  CHECK(r.result.evidence["attributes"] ==
        nlohmann::json::array({"Reply-Message", "Class", "Message-Authenticator"}));
  CHECK(r.result.evidence["reply_message"] == "Hello student1");
  CHECK(r.result.measurement("radius_round_trip_seconds") > 0);
  const std::string evidence = r.result.evidence.dump();
  CHECK(evidence.find("radpass1") == std::string::npos);
  CHECK(evidence.find("testing123") == std::string::npos);
}

TEST_CASE("radius: a wrong password is rejected, and a reject can be what is expected") {
  RadiusSecrets s;
  auto wrong = s.run(server("RADIUS_PORT"), "{secret: nas, credentials: student_wrong}");
  CHECK(wrong.result.kind == FailureKind::auth_rejected);
  CHECK(wrong.result.reason == "student1: Access-Reject (Reply-Message: Hello student1)");
  auto locked = s.run(server("RADIUS_PORT"), "{secret: nas, credentials: locked, expect: reject}");
  CHECK(locked.result.verdict == Verdict::pass);
  CHECK(locked.result.reason == "locked1: Access-Reject as expected");
  auto accepted =
      s.run(server("RADIUS_PORT"), "{secret: nas, credentials: student, expect: reject}");
  CHECK(accepted.result.kind == FailureKind::bad_content);
}

TEST_CASE("radius: Status-Server answers without a test account") {
  RadiusSecrets s;
  auto r = s.run(server("RADIUS_PORT"), "{secret: nas}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.evidence["request"] == "Status-Server");
}

TEST_CASE("radius: an answer without Message-Authenticator is not believed unless allowed") {
  RadiusSecrets s;
  auto strict = s.run(server("RADIUS_NOMA_PORT"), "{secret: nas, credentials: student}");
  CHECK(strict.result.kind == FailureKind::protocol_error);
  CHECK(strict.result.reason.find(
            "Access-Accept refused: the response has no Message-Authenticator") == 0);
  auto lax = s.run(server("RADIUS_NOMA_PORT"),
                   "{secret: nas, credentials: student, require_message_authenticator: false}");
  CHECK(lax.result.verdict == Verdict::pass);
}

TEST_CASE("radius: a wrong shared secret and a server that is down fail within the timeout") {
  RadiusSecrets s;
  // FreeRADIUS drops a request whose Message-Authenticator does not verify, without an answer.
  auto secret = s.run(server("RADIUS_PORT"),
                      "{secret: nas_wrong, credentials: student, tries: 2, try_timeout: 500ms}");
  CHECK(secret.result.kind == FailureKind::timeout);
  CHECK(secret.result.reason.find("after 2 tries (a wrong shared secret") != std::string::npos);
  CHECK(secret.result.duration < 2s);
  auto down =
      s.run(std::to_string(free_port()), "{secret: nas, credentials: student, try_timeout: 500ms}");
  CHECK(down.result.verdict == Verdict::fail);
  CHECK((down.result.kind == FailureKind::connect || down.result.kind == FailureKind::timeout));
}

namespace {

struct Sip2Secrets {
  TempDir dir;
  std::string secrets;
  Sip2Secrets() {
    secrets =
        "  term: {username: campus-probe, password_file: " + dir.file("term", "sip2pw") +
        "}\n  term_wrong: {username: campus-probe, password_file: " +
        dir.file("term_wrong", "not-sip2pw") +
        "}\n  patron: {username: P0001, password_file: " + dir.file("patron", "1234") +
        "}\n  patron_wrong: {username: P0001, password_file: " + dir.file("patron_wrong", "9876") +
        "}\n  patron_invalid: {username: P0002}\n";
  }
  RunRecord run(const std::string& mode, const std::string& params,
                const std::string& timeout = "3s") const {
    return run_check("secrets:\n" + secrets +
                         "checks:\n  - id: t\n    probe: sip2\n    target: \"127.0.0.1:" +
                         server("SIP2_SIM_" + mode + "_PORT") + "\"\n    timeout: " + timeout +
                         "\n    params: " + params + "\n",
                     "t");
  }
};

}  // namespace

TEST_CASE("sip2: login, ACS status and a test patron, over TCP and TLS") {
  Sip2Secrets s;
  auto r = s.run("NORMAL", "{login: term, patron: patron, location: campus-probe}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.reason == "ACS online, protocol 2.00, patron valid with 2 item(s) charged");
  CHECK(r.result.evidence["messages"] == nlohmann::json::array({"93→94", "99→98", "63→64"}));
  CHECK(r.result.evidence["acs"]["library_name"] == "校园图书馆");
  CHECK(r.result.evidence["patron"]["holds"] == 1);
  CHECK(r.result.measurement("sip2_patron_charged_items") == 2);
  CHECK(r.result.evidence.dump().find("1234") == std::string::npos);
  auto tls = s.run("TLS", "{login: term, tls: {ca_file: " + server("SIP2_SIM_CA") + "}}");
  INFO(tls.result.reason);
  CHECK(tls.result.verdict == Verdict::pass);
  auto untrusted = s.run("TLS", "{login: term, tls: {enabled: true}}");
  CHECK(untrusted.result.kind == FailureKind::tls);
}

TEST_CASE("sip2: names in GB18030 are read as such") {
  Sip2Secrets s;
  auto r = s.run("GB18030", "{login: term, encoding: gb18030}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.evidence["acs"]["library_name"] == "校园图书馆");
}

TEST_CASE("sip2: each fault of the ACS fails with its own reason") {
  Sip2Secrets s;
  auto login = s.run("NORMAL", "{login: term_wrong}");
  CHECK(login.result.kind == FailureKind::auth_rejected);
  CHECK(login.result.reason == "login: the ACS refused the terminal's login (94 ok=0)");
  auto patron = s.run("NORMAL", "{login: term, patron: patron_wrong}");
  CHECK(patron.result.kind == FailureKind::auth_rejected);
  CHECK(patron.result.reason ==
        "patron_information: the test patron's password was not accepted (CQ=N)");
  auto invalid = s.run("NORMAL", "{login: term, patron: patron_invalid}");
  CHECK(invalid.result.reason ==
        "patron_information: the ACS says the test patron is not valid (BL=N)");
  auto offline = s.run("OFFLINE", "{login: term}");
  CHECK(offline.result.reason == "sc_status: the ACS reports itself offline");
  auto badsum = s.run("BADSUM", "{login: term}");
  CHECK(badsum.result.kind == FailureKind::protocol_error);
  CHECK(badsum.result.reason.find("login: bad checksum") == 0);
  auto garbage = s.run("GARBAGE", "{login: term}");
  CHECK(garbage.result.reason == "login: not a SIP2 message (no two-digit identifier)");
  auto drop = s.run("DROP", "{login: term}");
  CHECK(drop.result.kind == FailureKind::connect);
  CHECK(drop.result.reason == "login: the ACS closed the connection");
  auto slow = s.run("SLOW", "{login: term}", "1s");
  CHECK(slow.result.kind == FailureKind::timeout);
  CHECK(slow.result.duration < 2s);
}

namespace {

std::string iso_utc(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&s, &utc);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return out;
}

// Serves `json` from the shared nginx as /feeds/NAME.json.
std::string serve_feed(const std::string& name, const std::string& json) {
  const std::string dir = server("SERVERS_DIR") + "/nginx/www/feeds";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + name + ".json") << json;
  std::filesystem::permissions(dir, std::filesystem::perms::all,
                               std::filesystem::perm_options::add);
  return "http://127.0.0.1:" + server("NGINX_HTTP_PORT") + "/feeds/" + name + ".json";
}

// The MQTT test password as a file only its owner can read: the checked-out file is 0644, and
// the agent refuses a secret file other users can read.
const std::string& mqtt_password_file() {
  static const std::string path = [] {
    namespace fs = std::filesystem;
    const fs::path copy = server("SERVERS_DIR") + "/mqtt-test.pass";
    fs::copy_file(CAMPUS_SOURCE_DIR "/tests/integration/mqtt-test.pass", copy,
                  fs::copy_options::overwrite_existing);
    fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write);
    return copy.string();
  }();
  return path;
}

RunRecord run_feed(const std::string& target, const std::string& params,
                   const std::string& extra = "") {
  return run_check("secrets:\n  mq: {username: probe, password_file: " + mqtt_password_file() +
                       "}\n" + extra + "checks:\n  - id: t\n    probe: feed\n    target: \"" +
                       target + "\"\n    timeout: 3s\n    params: " + params + "\n",
                   "t");
}

}  // namespace

TEST_CASE("feed: an HTTP JSON feed is fresh, stale, empty, garbage or from the future") {
  const auto now = std::chrono::system_clock::now();
  const std::string fresh = serve_feed(
      "alerts", "{\"data\":[{\"time\":\"" + iso_utc(now - std::chrono::minutes(50)) +
                    "\"},{\"time\":\"" + iso_utc(now - std::chrono::minutes(2)) + "\"}]}");
  auto r = run_feed(fresh, "{timestamp: /data/*/time, max_age: 10m, min_events: 2, window: 1h}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.reason.find("newest event 2m ") == 0);
  CHECK(r.result.measurement("feed_last_event_age_seconds") >= 120);
  CHECK(r.result.measurement("feed_events_in_window") == 2);

  auto stale = run_feed(fresh, "{timestamp: /data/*/time, max_age: 1m}");
  CHECK(stale.result.kind == FailureKind::bad_content);
  CHECK(stale.result.reason.find("old (max_age 1m)") != std::string::npos);
  auto few = run_feed(fresh, "{timestamp: /data/*/time, min_events: 2, window: 10m}");
  CHECK(few.result.reason == "1 event(s) in the last 10m, expected at least 2");

  // One-card style: local times in Asia/Shanghai without an offset, epoch milliseconds.
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  auto epoch = run_feed(serve_feed("onecard", "{\"last\": " + std::to_string(ms) + "}"),
                        "{timestamp: /last, max_age: 1m}");
  CHECK(epoch.result.verdict == Verdict::pass);

  auto empty = run_feed(serve_feed("empty", "{\"data\":[]}"), "{timestamp: /data/*/time}");
  CHECK(empty.result.reason == "no value at /data/*/time (an empty list, or another shape)");
  auto garbage = run_feed(serve_feed("garbage", "<html>oops</html>"), "{timestamp: /time}");
  CHECK(garbage.result.reason.find("the feed is not JSON") == 0);
  auto text = run_feed(serve_feed("text", "{\"time\":\"soon\"}"), "{timestamp: /time}");
  CHECK(text.result.reason == "none of the 1 value(s) at /time is a timestamp (e.g. \"soon\")");
  auto future =
      run_feed(serve_feed("future", "{\"time\":\"" + iso_utc(now + std::chrono::hours(8)) + "\"}"),
               "{timestamp: /time}");
  CHECK(future.result.reason.find("in the future (a wrong clock or time zone at the source?)") !=
        std::string::npos);
}

TEST_CASE("feed: an HTTP feed behind Digest auth, with the right and a wrong password") {
  setenv("CAMPUS_TEST_FEED_CAMERA_USER", "camera", 1);
  setenv("CAMPUS_TEST_FEED_CAMERA_PASS", "digest-pw-7616", 1);
  setenv("CAMPUS_TEST_FEED_CAMERA_WRONG", "wrong-feed-pw", 1);
  const std::string secrets =
      "  cam: {username_env: CAMPUS_TEST_FEED_CAMERA_USER, password_env: "
      "CAMPUS_TEST_FEED_CAMERA_PASS}\n"
      "  cam_bad: {username_env: CAMPUS_TEST_FEED_CAMERA_USER, password_env: "
      "CAMPUS_TEST_FEED_CAMERA_WRONG}\n";
  const auto target = "http://127.0.0.1:" + server("MISBEHAVE_DIGEST_PORT") + "/events";
  auto r = run_feed(target, "{timestamp: /time, max_age: 10m, auth: {digest: cam}}", secrets);
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.log->text().find("Authorization: Digest [redacted]") != std::string::npos);
  CHECK(r.log->text().find("digest-pw-7616") == std::string::npos);
  auto bad = run_feed(target, "{timestamp: /time, auth: {digest: cam_bad}}", secrets);
  CHECK(bad.result.kind == FailureKind::auth_rejected);
  CHECK(bad.result.reason == "expected status 2xx, got 401");
  CHECK(bad.log->text().find("wrong-feed-pw") == std::string::npos);
}

TEST_CASE("feed: an HTTP feed POSTs a search with a key header and a templated JSON body") {
  setenv("CAMPUS_TEST_FEED_DOOR_KEY", "door-key-2718", 1);
  setenv("CAMPUS_TEST_FEED_DOOR_BAD", "door-key-wrong", 1);
  const std::string secrets =
      "  door: {token_env: CAMPUS_TEST_FEED_DOOR_KEY}\n"
      "  door_bad: {token_env: CAMPUS_TEST_FEED_DOOR_BAD}\n";
  const auto target = "http://127.0.0.1:" + server("MISBEHAVE_SEARCH_PORT") + "/ISAPI/AcsEvent";
  // The door controller's search from yesterday's midnight in Beijing time, as its API asks.
  auto params = [](const std::string& secret, const std::string& method) {
    return "\n"
           "      method: " +
           method +
           "\n"
           "      headers: {X-Api-Key: \"${secret." +
           secret +
           ".token}\"}\n"
           "      body: '{\"AcsEventCond\": {\"searchID\": \"${random(12)}\", "
           "\"startTime\": \"${today(-1, ''%Y-%m-%dT%H:%M:%S%:z'')}\", \"maxResults\": 20}}'\n"
           "      timestamp: /AcsEvent/InfoList/*/time\n"
           "      max_age: 5m\n"
           "      min_events: 2\n"
           "      window: 2h";
  };
  auto r = run_feed(target, params("door", "POST"), secrets);
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.reason.find("newest event 1m ") == 0);
  CHECK(r.result.measurement("feed_events_in_window") == 2);
  CHECK(r.result.evidence["method"] == "POST");
  CHECK(r.log->text().find("> POST " + target) != std::string::npos);
  CHECK(r.log->text().find("> Content-Type: application/json") != std::string::npos);
  CHECK(r.log->text().find("door-key-2718") == std::string::npos);

  auto bad = run_feed(target, params("door_bad", "POST"), secrets);
  CHECK(bad.result.kind == FailureKind::auth_rejected);
  CHECK(bad.result.reason == "expected status 2xx, got 401");
  CHECK(bad.log->text().find("door-key-wrong") == std::string::npos);

  // The same search without its body: the server refuses it, and says why.
  auto bodiless = run_feed(target,
                           "{method: POST, headers: {X-Api-Key: \"${secret.door.token}\"}, "
                           "timestamp: /AcsEvent/InfoList/*/time}",
                           secrets);
  CHECK(bodiless.result.kind == FailureKind::bad_status);
  CHECK(bodiless.result.reason == "expected status 2xx, got 400");
}

TEST_CASE("feed: MQTT messages arrive, on plain, password and TLS listeners") {
  const std::string topic = "campus/door/events";
  const std::string publisher =
      "for i in $(seq 40); do "
      "mosquitto_pub -p " +
      server("MQTT_PORT") + " -t " + topic +
      " -m '{\"door\":\"A1\"}'; "
      "mosquitto_pub -p " +
      server("MQTT_AUTH_PORT") + " -u probe -P probepw -t " + topic +
      " -m x; "
      "mosquitto_pub -p " +
      server("MQTT_TLS_PORT") + " --cafile " + server("MQTT_CA") + " -t " + topic +
      " -m x; "
      "sleep 0.2; done";
  TempDir dir;
  Process pub({"/bin/sh", "-c", publisher}, dir.path() + "/pub.log");
  auto plain = run_feed("mqtt://127.0.0.1:" + server("MQTT_PORT") + "/" + topic, "{max_age: 1m}");
  INFO(plain.result.reason);
  CHECK(plain.result.verdict == Verdict::pass);
  CHECK(plain.result.evidence["messages"].get<int>() >= 1);
  auto auth =
      run_feed("mqtt://127.0.0.1:" + server("MQTT_AUTH_PORT") + "/" + topic, "{credentials: mq}");
  CHECK(auth.result.verdict == Verdict::pass);
  auto refused = run_feed("mqtt://127.0.0.1:" + server("MQTT_AUTH_PORT") + "/" + topic, "{}");
  CHECK(refused.result.kind == FailureKind::auth_rejected);
  CHECK(refused.result.reason == "the broker refused the connection: not authorised");
  auto tls = run_feed("mqtts://127.0.0.1:" + server("MQTT_TLS_PORT") + "/" + topic,
                      "{tls: {ca_file: " + server("MQTT_CA") + "}}");
  INFO(tls.result.reason);
  CHECK(tls.result.verdict == Verdict::pass);
  auto untrusted = run_feed("mqtts://127.0.0.1:" + server("MQTT_TLS_PORT") + "/" + topic, "{}");
  CHECK(untrusted.result.kind == FailureKind::tls);
}

TEST_CASE("feed: a silent topic fails within the timeout; a retained message needs a fresh time") {
  auto silent = run_feed("mqtt://127.0.0.1:" + server("MQTT_PORT") + "/campus/silent", "{}");
  CHECK(silent.result.kind == FailureKind::bad_content);
  CHECK(silent.result.reason.find("no message on campus/silent within") == 0);
  CHECK(silent.result.duration < 3500ms);
  TempDir dir;
  const auto publish_retained = [&](const std::string& payload) {
    Process p({"/usr/bin/mosquitto_pub", "-p", server("MQTT_PORT"), "-r", "-t",
               "campus/onecard/last", "-m", payload},
              dir.path() + "/retained.log");
    REQUIRE(p.wait(5s) == 0);
  };
  publish_retained("{\"time\": " + std::to_string(std::time(nullptr)) + "}");
  auto fresh = run_feed("mqtt://127.0.0.1:" + server("MQTT_PORT") + "/campus/onecard/last",
                        "{timestamp: /time, max_age: 5m}");
  CHECK(fresh.result.verdict == Verdict::pass);
  CHECK(fresh.result.evidence["retained"] == 1);
  publish_retained("{\"time\": " + std::to_string(std::time(nullptr) - 7200) + "}");
  auto stale = run_feed("mqtt://127.0.0.1:" + server("MQTT_PORT") + "/campus/onecard/last",
                        "{timestamp: /time, max_age: 5m}");
  CHECK(stale.result.reason.find("the newest event is 2h 0m old") == 0);
  auto down = run_feed("mqtt://127.0.0.1:" + std::to_string(free_port()) + "/x", "{}");
  CHECK(down.result.kind == FailureKind::connect);
}

namespace {

RunRecord run_rtsp(const std::string& port, const std::string& path, const std::string& params) {
  static const TempDir dir;
  static const std::string secrets =
      "secrets:\n  camera: {username: viewer, password_file: " + dir.file("camera", "viewerpw") +
      "}\n  camera_wrong: {username: viewer, password_file: " +
      dir.file("camera_wrong", "not-viewerpw") + "}\n";
  return run_check(
      secrets + "checks:\n  - id: t\n    probe: rtsp\n    target: \"rtsp://127.0.0.1:" + port +
          path + "\"\n    timeout: 5s\n    params: " + params + "\n",
      "t");
}

}  // namespace

TEST_CASE("rtsp: a classroom stream is described with H.264 video, by GStreamer's RTSP server") {
  auto r = run_rtsp(server("RTSP_PORT"), "/campus/room101",
                    "{expect_media: [video], expect_codec: H264}");
  INFO(r.result.reason);
  CHECK(r.result.verdict == Verdict::pass);
  CHECK(r.result.reason == "stream described: video H264");
  CHECK(r.result.evidence["server"] == "GStreamer RTSP server");
  CHECK(r.result.evidence["public"].get<std::string>().find("DESCRIBE") != std::string::npos);
  CHECK(r.result.measurement("rtsp_describe_duration_seconds") > 0);
  auto codec = run_rtsp(server("RTSP_PORT"), "/campus/room101", "{expect_codec: H265|HEVC}");
  CHECK(codec.result.kind == FailureKind::bad_content);
  CHECK(codec.result.reason == "no stream in the expected codec (offered: video H264)");
  auto audio = run_rtsp(server("RTSP_PORT"), "/campus/room101", "{expect_media: [video, audio]}");
  CHECK(audio.result.reason == "no audio media in the SDP (offered: video H264)");
}

TEST_CASE("rtsp: Digest credentials, a wrong password, none, a wrong path and no server") {
  auto ok = run_rtsp(server("RTSP_AUTH_PORT"), "/campus/secure", "{credentials: camera}");
  INFO(ok.result.reason);
  CHECK(ok.result.verdict == Verdict::pass);
  CHECK(ok.result.evidence.dump().find("viewerpw") == std::string::npos);
  auto wrong = run_rtsp(server("RTSP_AUTH_PORT"), "/campus/secure", "{credentials: camera_wrong}");
  CHECK(wrong.result.kind == FailureKind::auth_rejected);
  CHECK(wrong.result.reason == "DESCRIBE: 401, the camera refused the credentials");
  auto none = run_rtsp(server("RTSP_AUTH_PORT"), "/campus/secure", "{}");
  CHECK(none.result.reason == "DESCRIBE: 401, the camera wants credentials");
  auto path = run_rtsp(server("RTSP_PORT"), "/campus/no-such-room", "{}");
  CHECK(path.result.kind == FailureKind::bad_status);
  CHECK(path.result.reason == "DESCRIBE: expected 200, got 404");
  auto down = run_rtsp(std::to_string(free_port()), "/x", "{}");
  CHECK(down.result.kind == FailureKind::connect);
}

TEST_CASE("the campus protocol probes run in the daemon: metrics, evidence, no secrets") {
  TempDir dir;
  const int port = free_port();
  const std::string key = dir.file("evidence.key", std::string(48, 'k'));
  chmod(key.c_str(), 0600);
  const std::string eve = dir.file("eve.json", "");
  const std::string config =
      "agent: {listen: 127.0.0.1:" + std::to_string(port) +
      ", default_interval: 2s, default_timeout: 2s}\n"
      "evidence: {dir: " +
      dir.path() + "/evidence, key_file: " + key +
      "}\n"
      "secrets:\n"
      "  nas: {secret_file: " +
      dir.file("nas", "testing123") +
      "}\n"
      "  net: {username: student1, password_file: " +
      dir.file("net", "radpass1") +
      "}\n"
      "  term: {username: campus-probe, password_file: " +
      dir.file("term", "sip2pw") +
      "}\n"
      "  patron: {username: P0001, password_file: " +
      dir.file("patron", "1234") +
      "}\n"
      "  camera: {username: viewer, password_file: " +
      dir.file("camera", "viewerpw") +
      "}\n"
      "checks:\n"
      "  - {id: net-login, probe: radius, target: \"127.0.0.1:" +
      server("RADIUS_PORT") +
      "\", params: {secret: nas, credentials: net}, indicators: [H-4.1.1.2]}\n"
      "  - {id: library, probe: sip2, target: \"127.0.0.1:" +
      server("SIP2_SIM_NORMAL_PORT") +
      "\", params: {login: term, patron: patron}, indicators: [H-2.2.2.3]}\n"
      "  - {id: camera, probe: rtsp, target: \"rtsp://127.0.0.1:" +
      server("RTSP_AUTH_PORT") +
      "/campus/secure\", params: {credentials: camera}, indicators: [H-3.3.3.1]}\n"
      "  - {id: ids, probe: feed, target: \"" +
      eve + "\", params: {max_age: 1m}, indicators: [H-4.1.1.3]}\n";
  std::ofstream(eve) << "{\"timestamp\":\"" << iso_utc(std::chrono::system_clock::now())
                     << "\",\"event_type\":\"alert\"}\n";
  Process agent({CAMPUS_PROBE_BIN, "run", "--config", dir.file("campus.yaml", config),
                 "--log-level", "debug"},
                dir.path() + "/agent.log");
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string metrics;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        metrics = http_request(base + "/metrics").body;
                        return metric_value(metrics, "campus_evidence_records_total").value_or(0) >=
                               8;
                      },
                      20s),
                  agent.output());
  std::string success_lines;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("campus_probe_success{", 0) == 0) success_lines += line + "\n";
  }
  INFO(success_lines);
  for (const auto& [id, probe] : std::vector<std::pair<std::string, std::string>>{
           {"net-login", "radius"}, {"library", "sip2"}, {"camera", "rtsp"}, {"ids", "feed"}}) {
    CHECK_MESSAGE(
        metric_value(metrics, "campus_probe_success{check=\"" + id + "\",probe=\"" + probe +
                                  "\",system=\"unknown\"}") == std::optional<double>(1),
        id);
  }
  for (const char* name : {"campus_probe_radius_round_trip_seconds", "campus_probe_sip2_acs_online",
                           "campus_probe_rtsp_describe_duration_seconds",
                           "campus_probe_feed_last_event_age_seconds"}) {
    CHECK_MESSAGE(metrics.find(std::string("# HELP ") + name) != std::string::npos, name);
  }
  std::string seen = metrics;
  for (const char* id : {"net-login", "library", "camera", "ids"}) {
    seen += http_request(base + "/probe?check=" + std::string(id) + "&debug=true").body;
  }
  agent.signal(SIGTERM);
  REQUIRE(agent.wait(10s) == 0);
  seen += agent.output();
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() + "/evidence")) {
    std::ifstream in(entry.path());
    std::stringstream s;
    s << in.rdbuf();
    seen += s.str();
  }
  for (const std::string secret : {"testing123", "radpass1", "sip2pw", "viewerpw"}) {
    CHECK_MESSAGE(seen.find(secret) == std::string::npos, secret);
  }
  CHECK(seen.find("|AD1234|") == std::string::npos);
}
