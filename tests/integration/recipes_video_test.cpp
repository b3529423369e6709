// The recipes for Hikvision ISAPI door terminals and ONVIF classroom cameras against their
// simulators (tests/sim/door_sim.py, tests/sim/onvif_sim.py, following the campus-systems notes
// 6b, 6e and 6f) and GStreamer's RTSP server: each passes, and fails precisely on a wrong password
// or digest, stale or no events, a camera without a stream, or a device that is down.
//
// The helpers are this file's own (named apart from recipes_test.cpp's: a unity build compiles
// both in one translation unit).

#include <doctest/doctest.h>

#include "recipe_support.h"

using namespace campus;
using namespace campus::test;

namespace {

// The accounts of the door terminal, the ONVIF camera and the RTSP server.
struct VideoAccounts : SecretFiles {
  VideoAccounts() {
    add("hik", "username: campus-probe", "password", "Hik-pass1");
    add("onvif", "username: campus-probe", "password", "Onvif-pass1");
    add("onvif_wrong", "username: campus-probe", "password", "not-the-password");
    add("viewer", "username: viewer", "password", "viewerpw");
    add("viewer_wrong", "username: viewer", "password", "not-viewerpw");
  }
};

}  // namespace

TEST_CASE(
    "recipe hikvision-isapi-door-events: a fresh swipe, or stale, none, a wrong password, "
    "offline") {
  VideoAccounts a;
  const std::string door = "{device: " + product_sim_url("DOOR") + ", credentials: hik";
  const std::string with = door + "}";
  sim_control("SIM_DOOR_PORT", R"({"reset": true})");
  expect_run(a.run("hikvision-isapi-door-events", with), Verdict::pass, "newest event 2m");
  // minor 38 (fingerprint): the newest such swipe is 55 minutes old.
  expect_run(a.run("hikvision-isapi-door-events", door + ", minor: 38, max_age: 30m}"),
             Verdict::fail, "the newest event is 55m", FailureKind::bad_content);

  // Each run is a new search (a new searchID): after the switch the device answers afresh.
  sim_control("SIM_DOOR_PORT", R"({"events": "stale"})");
  expect_run(a.run("hikvision-isapi-door-events", with), Verdict::fail,
             "no value at /AcsEvent/InfoList/*/time", FailureKind::bad_content);
  // A window since yesterday's midnight finds the 3 hours old swipe.
  expect_run(a.run("hikvision-isapi-door-events",
                   door + ", search_from: \"${today(-1, '%Y-%m-%dT%H:%M:%S%:z')}\"}"),
             Verdict::fail, "the newest event is 3h 0m old (max_age 1h)", FailureKind::bad_content);
  sim_control("SIM_DOOR_PORT", R"({"reset": true, "events": "empty"})");
  expect_run(a.run("hikvision-isapi-door-events", with), Verdict::fail,
             "no value at /AcsEvent/InfoList/*/time", FailureKind::bad_content);
  sim_control("SIM_DOOR_PORT", R"({"reset": true, "password_rejected": true})");
  expect_run(a.run("hikvision-isapi-door-events", with), Verdict::fail, "got 401",
             FailureKind::auth_rejected);
  sim_control("SIM_DOOR_PORT", R"({"reset": true, "offline": "503"})");
  expect_run(a.run("hikvision-isapi-door-events", with), Verdict::fail,
             "expected status 2xx, got 503", FailureKind::bad_status);
  sim_control("SIM_DOOR_PORT", R"({"reset": true})");
}

TEST_CASE("recipe hikvision-isapi-device: deviceInfo behind Digest, or a wrong password, offline") {
  VideoAccounts a;
  const std::string with = "{device: " + product_sim_url("DOOR") + ", credentials: hik}";
  sim_control("SIM_DOOR_PORT", R"({"reset": true})");
  expect_run(a.run("hikvision-isapi-device", with), Verdict::pass, "HTTP 200");
  sim_control("SIM_DOOR_PORT", R"({"password_rejected": true})");
  expect_run(a.run("hikvision-isapi-device", with), Verdict::fail, "", FailureKind::auth_rejected);
  sim_control("SIM_DOOR_PORT", R"({"reset": true, "offline": "close"})");
  expect_run(a.run("hikvision-isapi-device", with), Verdict::fail, "");
  sim_control("SIM_DOOR_PORT", R"({"reset": true})");
}

TEST_CASE(
    "recipe onvif-camera: WS-Security digest, profiles and a stream URI, or a wrong password, "
    "a skewed clock, no profile, no stream, offline") {
  VideoAccounts a;
  const std::string with = "{camera: " + product_sim_url("ONVIF") + ", credentials: onvif}";
  sim_control("SIM_ONVIF_PORT", R"({"reset": true})");
  // The camera refuses a nonce it has seen: passing twice shows each request has its own.
  expect_run(a.run("onvif-camera", with), Verdict::pass, "5 steps passed");
  expect_run(a.run("onvif-camera", with), Verdict::pass, "5 steps passed");
  expect_run(
      a.run("onvif-camera", "{camera: " + product_sim_url("ONVIF") + ", credentials: onvif_wrong}"),
      Verdict::fail, "step 2 \"device information\": body matches /NotAuthorized/",
      FailureKind::bad_content);
  sim_control("SIM_ONVIF_PORT", R"({"password_rejected": true})");
  expect_run(a.run("onvif-camera", with), Verdict::fail,
             "step 2 \"device information\": body matches /NotAuthorized/");
  sim_control("SIM_ONVIF_PORT", R"({"reset": true, "clock_skew": 900})");
  expect_run(a.run("onvif-camera", with), Verdict::fail,
             "step 2 \"device information\": body matches /NotAuthorized/");
  sim_control("SIM_ONVIF_PORT", R"({"reset": true, "profiles": "empty"})");
  expect_run(a.run("onvif-camera", with), Verdict::fail,
             "step 4 \"profiles\": extract profile: body does not match", FailureKind::bad_content);
  sim_control("SIM_ONVIF_PORT",
              R"({"reset": true, "stream_uri": "http://127.0.0.1/snapshot.jpg"})");
  expect_run(a.run("onvif-camera", with), Verdict::fail,
             "step 5 \"stream uri\": extract stream_uri: body does not match");
  sim_control("SIM_ONVIF_PORT", R"({"reset": true, "offline": "503"})");
  expect_run(a.run("onvif-camera", with), Verdict::fail,
             "step 1 \"system date and time\": expected status 200, got 503",
             FailureKind::bad_status);
  sim_control("SIM_ONVIF_PORT", R"({"reset": true, "offline": "close"})");
  expect_run(a.run("onvif-camera", with), Verdict::fail, "step 1 \"system date and time\"");
  sim_control("SIM_ONVIF_PORT", R"({"reset": true})");
}

TEST_CASE("recipe onvif-rtsp-stream: GStreamer's RTSP server describes H.264 video, or refuses") {
  VideoAccounts a;
  const std::string stream = "\"rtsp://127.0.0.1:" + server("RTSP_AUTH_PORT") + "/campus/secure\"";
  expect_run(a.run("onvif-rtsp-stream",
                   "{stream: " + stream + ", credentials: viewer, codec: \"H264|H265\"}"),
             Verdict::pass, "stream described: video H264");
  expect_run(a.run("onvif-rtsp-stream", "{stream: " + stream + ", credentials: viewer_wrong}"),
             Verdict::fail, "DESCRIBE: 401", FailureKind::auth_rejected);
  expect_run(
      a.run("onvif-rtsp-stream", "{stream: \"rtsp://127.0.0.1:" + std::to_string(free_port()) +
                                     "/Streaming/Channels/101\", credentials: viewer}"),
      Verdict::fail, "", FailureKind::connect);
}
