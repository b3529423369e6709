// The recipes for Hikvision ISAPI door terminals and ONVIF classroom cameras against their
// simulators (tests/sim/door_sim.py, tests/sim/onvif_sim.py, following the campus-systems notes
// 6b, 6e and 6f) and GStreamer's RTSP server: each passes, and fails precisely on a wrong password
// or digest, stale or no events, a camera without a stream, or a device that is down.
//
// The helpers are this file's own (named apart from recipes_test.cpp's: a unity build compiles
// both in one translation unit).

#include <doctest/doctest.h>

#include "support.h"

using namespace campus;
using namespace campus::test;

namespace {

// Switches a simulator's faults (its POST /__control); {"reset": true} clears them.
void video_sim_control(const std::string& port_key, const std::string& json) {
  const auto reply = http_request("http://127.0.0.1:" + server(port_key) + "/__control", "POST",
                                  std::chrono::seconds(5), json);
  REQUIRE_MESSAGE(reply.status == 200, reply.body);
}

std::string video_sim_url(const std::string& name) {
  return "\"http://127.0.0.1:" + server("SIM_" + name + "_PORT") + "\"";
}

// The accounts of the door terminal, the ONVIF camera and the RTSP server, as secret files.
struct VideoAccounts {
  TempDir dir;
  std::string secrets = "secrets:\n";
  VideoAccounts() {
    add("hik", "campus-probe", "Hik-pass1");
    add("onvif", "campus-probe", "Onvif-pass1");
    add("onvif_wrong", "campus-probe", "not-the-password");
    add("viewer", "viewer", "viewerpw");
    add("viewer_wrong", "viewer", "not-viewerpw");
  }
  void add(const std::string& name, const std::string& user, const std::string& password) {
    secrets += "  " + name + ": {username: " + user +
               ", password_file: " + dir.file(name + ".secret", password) + "}\n";
  }
  // One check `t` using `recipe` with the given `with:` (a YAML flow mapping).
  RunRecord run(const std::string& recipe, const std::string& with) const {
    return run_check(secrets + "checks:\n  - id: t\n    recipe: " + recipe +
                         "\n    timeout: 20s\n    interval: 60s\n    with: " + with + "\n",
                     "t");
  }
};

void expect_video(const RunRecord& r, Verdict verdict, const std::string& reason_part,
                  std::optional<FailureKind> kind = std::nullopt) {
  INFO(r.check->id << ": " << r.result.reason);
  CHECK(r.result.verdict == verdict);
  if (!reason_part.empty()) CHECK(r.result.reason.find(reason_part) != std::string::npos);
  if (kind) CHECK(r.result.kind == *kind);
}

}  // namespace

TEST_CASE(
    "recipe hikvision-isapi-door-events: a fresh swipe, or stale, none, a wrong password, "
    "offline") {
  VideoAccounts a;
  const std::string door = "{device: " + video_sim_url("DOOR") + ", credentials: hik";
  const std::string with = door + "}";
  video_sim_control("SIM_DOOR_PORT", R"({"reset": true})");
  expect_video(a.run("hikvision-isapi-door-events", with), Verdict::pass, "newest event 2m");
  // minor 38 (fingerprint): the newest such swipe is 55 minutes old.
  expect_video(a.run("hikvision-isapi-door-events", door + ", minor: 38, max_age: 30m}"),
               Verdict::fail, "the newest event is 55m", FailureKind::bad_content);

  // Each run is a new search (a new searchID): after the switch the device answers afresh.
  video_sim_control("SIM_DOOR_PORT", R"({"events": "stale"})");
  expect_video(a.run("hikvision-isapi-door-events", with), Verdict::fail,
               "no value at /AcsEvent/InfoList/*/time", FailureKind::bad_content);
  // A window since yesterday's midnight finds the 3 hours old swipe.
  expect_video(a.run("hikvision-isapi-door-events",
                     door + ", search_from: \"${today(-1, '%Y-%m-%dT%H:%M:%S%:z')}\"}"),
               Verdict::fail, "the newest event is 3h 0m old (max_age 1h)",
               FailureKind::bad_content);
  video_sim_control("SIM_DOOR_PORT", R"({"reset": true, "events": "empty"})");
  expect_video(a.run("hikvision-isapi-door-events", with), Verdict::fail,
               "no value at /AcsEvent/InfoList/*/time", FailureKind::bad_content);
  video_sim_control("SIM_DOOR_PORT", R"({"reset": true, "password_rejected": true})");
  expect_video(a.run("hikvision-isapi-door-events", with), Verdict::fail, "got 401",
               FailureKind::auth_rejected);
  video_sim_control("SIM_DOOR_PORT", R"({"reset": true, "offline": "503"})");
  expect_video(a.run("hikvision-isapi-door-events", with), Verdict::fail,
               "expected status 2xx, got 503", FailureKind::bad_status);
  video_sim_control("SIM_DOOR_PORT", R"({"reset": true})");
}

TEST_CASE("recipe hikvision-isapi-device: deviceInfo behind Digest, or a wrong password, offline") {
  VideoAccounts a;
  const std::string with = "{device: " + video_sim_url("DOOR") + ", credentials: hik}";
  video_sim_control("SIM_DOOR_PORT", R"({"reset": true})");
  expect_video(a.run("hikvision-isapi-device", with), Verdict::pass, "HTTP 200");
  video_sim_control("SIM_DOOR_PORT", R"({"password_rejected": true})");
  expect_video(a.run("hikvision-isapi-device", with), Verdict::fail, "",
               FailureKind::auth_rejected);
  video_sim_control("SIM_DOOR_PORT", R"({"reset": true, "offline": "close"})");
  expect_video(a.run("hikvision-isapi-device", with), Verdict::fail, "");
  video_sim_control("SIM_DOOR_PORT", R"({"reset": true})");
}

TEST_CASE(
    "recipe onvif-camera: WS-Security digest, profiles and a stream URI, or a wrong password, "
    "a skewed clock, no profile, no stream, offline") {
  VideoAccounts a;
  const std::string with = "{camera: " + video_sim_url("ONVIF") + ", credentials: onvif}";
  video_sim_control("SIM_ONVIF_PORT", R"({"reset": true})");
  // The camera refuses a nonce it has seen: passing twice shows each request has its own.
  expect_video(a.run("onvif-camera", with), Verdict::pass, "5 steps passed");
  expect_video(a.run("onvif-camera", with), Verdict::pass, "5 steps passed");
  expect_video(
      a.run("onvif-camera", "{camera: " + video_sim_url("ONVIF") + ", credentials: onvif_wrong}"),
      Verdict::fail, "step 2 \"device information\": body matches /NotAuthorized/",
      FailureKind::bad_content);
  video_sim_control("SIM_ONVIF_PORT", R"({"password_rejected": true})");
  expect_video(a.run("onvif-camera", with), Verdict::fail,
               "step 2 \"device information\": body matches /NotAuthorized/");
  video_sim_control("SIM_ONVIF_PORT", R"({"reset": true, "clock_skew": 900})");
  expect_video(a.run("onvif-camera", with), Verdict::fail,
               "step 2 \"device information\": body matches /NotAuthorized/");
  video_sim_control("SIM_ONVIF_PORT", R"({"reset": true, "profiles": "empty"})");
  expect_video(a.run("onvif-camera", with), Verdict::fail,
               "step 4 \"profiles\": extract profile: body does not match",
               FailureKind::bad_content);
  video_sim_control("SIM_ONVIF_PORT",
                    R"({"reset": true, "stream_uri": "http://127.0.0.1/snapshot.jpg"})");
  expect_video(a.run("onvif-camera", with), Verdict::fail,
               "step 5 \"stream uri\": extract stream_uri: body does not match");
  video_sim_control("SIM_ONVIF_PORT", R"({"reset": true, "offline": "503"})");
  expect_video(a.run("onvif-camera", with), Verdict::fail,
               "step 1 \"system date and time\": expected status 200, got 503",
               FailureKind::bad_status);
  video_sim_control("SIM_ONVIF_PORT", R"({"reset": true, "offline": "close"})");
  expect_video(a.run("onvif-camera", with), Verdict::fail, "step 1 \"system date and time\"");
  video_sim_control("SIM_ONVIF_PORT", R"({"reset": true})");
}

TEST_CASE("recipe onvif-rtsp-stream: GStreamer's RTSP server describes H.264 video, or refuses") {
  VideoAccounts a;
  const std::string stream = "\"rtsp://127.0.0.1:" + server("RTSP_AUTH_PORT") + "/campus/secure\"";
  expect_video(a.run("onvif-rtsp-stream",
                     "{stream: " + stream + ", credentials: viewer, codec: \"H264|H265\"}"),
               Verdict::pass, "stream described: video H264");
  expect_video(a.run("onvif-rtsp-stream", "{stream: " + stream + ", credentials: viewer_wrong}"),
               Verdict::fail, "DESCRIBE: 401", FailureKind::auth_rejected);
  expect_video(
      a.run("onvif-rtsp-stream", "{stream: \"rtsp://127.0.0.1:" + std::to_string(free_port()) +
                                     "/Streaming/Channels/101\", credentials: viewer}"),
      Verdict::fail, "", FailureKind::connect);
}
