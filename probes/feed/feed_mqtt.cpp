#include "feed_mqtt.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mosquitto.h>
#include <mutex>

#include "core/json_parse.h"

namespace campus::feed {
namespace {

using Clock = std::chrono::steady_clock;

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

struct MosqDeleter {
  void operator()(mosquitto* m) const { mosquitto_destroy(m); }
};

struct State {
  const MqttQuery* query;
  MqttOutcome* out;
  bool connack = false;
  int connack_rc = -1;
  bool subscribed = false;
};

void on_connect(mosquitto*, void* self, int rc) {
  auto* s = static_cast<State*>(self);
  s->connack = true;
  s->connack_rc = rc;
}

void on_subscribe(mosquitto*, void* self, int, int, const int*) {
  static_cast<State*>(self)->subscribed = true;
}

void on_message(mosquitto*, void* self, const mosquitto_message* message) {
  auto* s = static_cast<State*>(self);
  const MqttQuery& q = *s->query;
  MqttOutcome& out = *s->out;
  ++out.messages;
  if (message->retain) ++out.retained;
  const std::string payload(static_cast<const char*>(message->payload),
                            std::size_t(std::max(0, message->payloadlen)));
  out.log.push_back(std::string(message->retain ? "retained" : "message") + " on " +
                    message->topic + " (" + std::to_string(payload.size()) + " bytes)");
  if (!q.timestamp_pointer) {
    if (!message->retain) out.times.push_back(std::chrono::system_clock::now());
    return;
  }
  const auto json = parse_json_bounded(payload);
  std::optional<TimePoint> newest;
  if (!json.is_discarded()) {
    for (const auto* value : select_values(json, *q.timestamp_pointer)) {
      if (auto t = parse_json_time(*value, q.time_format, q.zone); t && (!newest || *t > *newest)) {
        newest = t;
      }
    }
  }
  if (newest) {
    out.times.push_back(*newest);
  } else {
    ++out.unreadable;
  }
}

std::string connack_reason(int rc) {
  switch (rc) {
    case 1:
      return "unacceptable protocol version";
    case 2:
      return "client id rejected";
    case 3:
      return "broker unavailable";
    case 4:
      return "bad username or password";
    case 5:
      return "not authorised";
    default:
      return "refused (code " + std::to_string(rc) + ")";
  }
}

}  // namespace

MqttOutcome wait_for_messages(const MqttQuery& q) {
  init_library_once();
  MqttOutcome out;
  State state{&q, &out};
  std::unique_ptr<mosquitto, MosqDeleter> mosq(mosquitto_new(nullptr, true, &state));
  if (!mosq) {
    out.error = "cannot create an MQTT client";
    return out;
  }
  mosquitto_connect_callback_set(mosq.get(), on_connect);
  mosquitto_subscribe_callback_set(mosq.get(), on_subscribe);
  mosquitto_message_callback_set(mosq.get(), on_message);
  if (q.username) {
    mosquitto_username_pw_set(mosq.get(), q.username->c_str(),
                              q.password ? q.password->c_str() : nullptr);
  }
  if (q.use_tls) {
    const auto& ca_file = q.tls.ca_file;
    const int rc =
        mosquitto_tls_set(mosq.get(), ca_file ? ca_file->c_str() : nullptr,
                          ca_file ? nullptr : "/etc/ssl/certs", nullptr, nullptr, nullptr);
    mosquitto_tls_insecure_set(mosq.get(), !q.tls.verify);
    if (!q.tls.verify) mosquitto_tls_opts_set(mosq.get(), 0, nullptr, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      out.kind = FailureKind::tls;
      out.error = std::string("TLS setup failed: ") + mosquitto_strerror(rc);
      return out;
    }
  }
  const auto deadline = Clock::now() + q.wait;
  int rc = mosquitto_connect(mosq.get(), q.host.c_str(), q.port, 30);
  if (rc != MOSQ_ERR_SUCCESS) {
    out.kind = rc == MOSQ_ERR_TLS   ? FailureKind::tls
               : rc == MOSQ_ERR_EAI ? FailureKind::resolve
                                    : FailureKind::connect;
    out.error = "cannot connect to " + q.host + ":" + std::to_string(q.port) + ": " +
                (rc == MOSQ_ERR_ERRNO ? std::string(std::strerror(errno)) : mosquitto_strerror(rc));
    return out;
  }
  out.log.push_back("connected to " + q.host + ":" + std::to_string(q.port));
  bool subscribe_sent = false;
  while (Clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    rc = mosquitto_loop(mosq.get(), int(std::clamp<long>(left.count(), 1, 100)), 1);
    // A refused CONNACK also ends the loop with an error: report the broker's reason.
    if (state.connack && state.connack_rc != 0) {
      out.kind = state.connack_rc == 4 || state.connack_rc == 5 ? FailureKind::auth_rejected
                                                                : FailureKind::protocol_error;
      out.error = "the broker refused the connection: " + connack_reason(state.connack_rc);
      return out;
    }
    if (rc != MOSQ_ERR_SUCCESS) {
      out.kind = rc == MOSQ_ERR_TLS ? FailureKind::tls : FailureKind::connect;
      out.error = std::string("connection lost: ") + mosquitto_strerror(rc);
      return out;
    }
    if (state.connack && !subscribe_sent) {
      rc = mosquitto_subscribe(mosq.get(), nullptr, q.topic.c_str(), 0);
      if (rc != MOSQ_ERR_SUCCESS) {
        out.kind = FailureKind::protocol_error;
        out.error = std::string("cannot subscribe to ") + q.topic + ": " + mosquitto_strerror(rc);
        return out;
      }
      subscribe_sent = true;
      out.log.push_back("subscribed to " + q.topic);
    }
    if (out.times.size() >= q.enough_messages) break;
  }
  if (!state.connack) {
    out.kind = FailureKind::timeout;
    out.error = "the broker did not answer the connection in time";
    return out;
  }
  mosquitto_disconnect(mosq.get());
  out.ok = true;
  out.kind = FailureKind::none;
  return out;
}

}  // namespace campus::feed
