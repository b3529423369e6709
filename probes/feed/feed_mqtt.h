#pragma once
// Waiting for a message on an MQTT topic (libmosquitto, blocking: run it off the event loop).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/settings.h"
#include "feed_time.h"
#include "probe/result.h"

namespace campus::feed {

struct MqttQuery {
  std::string host;
  int port = 1883;
  std::string topic;
  std::optional<std::string> username;
  std::optional<std::string> password;
  bool use_tls = false;  ///< mqtts://
  TlsSettings tls;       ///< verify and ca_file
  std::chrono::milliseconds wait{5000};
  /// Where a payload (JSON) carries its event time; without it a message's arrival is its time
  /// and retained messages, of unknown age, are ignored.
  std::optional<std::string> timestamp_pointer;
  TimeFormat time_format = TimeFormat::automatic;
  std::chrono::minutes zone{480};
  std::size_t enough_messages = 1;  ///< stop waiting after this many
};

struct MqttOutcome {
  bool ok = false;  ///< connected and subscribed
  FailureKind kind = FailureKind::internal;
  std::string error;
  std::size_t messages = 0;
  std::size_t retained = 0;
  std::size_t unreadable = 0;  ///< payloads without a readable timestamp
  std::vector<TimePoint> times;
  std::vector<std::string> log;
};

MqttOutcome wait_for_messages(const MqttQuery& query);

}  // namespace campus::feed
