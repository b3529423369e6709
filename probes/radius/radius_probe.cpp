// The `radius` probe: campus network authentication (校园网认证). Sends an Access-Request for a
// test account (or a Status-Server for liveness) over UDP with a Message-Authenticator, and
// believes an answer only when its authenticators verify with the shared secret.

#include <utility>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/rand.h>

#include "common/settings.h"
#include "core/duration.h"
#include "net/host_port.h"
#include "probe/registry.h"
#include "radius_packet.h"

namespace campus {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

struct RadiusSettings {
  HostPort target;
  std::string secret;
  bool status_server = false;
  std::string username;
  Secret password;
  bool expect_accept = true;
  std::string nas_identifier = "campus-probe";
  std::optional<asio::ip::address_v4> nas_ip;
  int tries = 3;
  std::chrono::milliseconds try_timeout{2000};
  bool require_message_authenticator = true;
};

std::optional<RadiusSettings> parse_radius_settings(ProbeSetup& setup) {
  RadiusSettings s;
  auto target = setup.host_port_target("10.0.0.3:1812");
  if (!target) return std::nullopt;
  s.target = *target;
  if (!setup.params) {
    setup.target_value.error("a radius check needs params.secret");
    return std::nullopt;
  }
  bool have_credentials = false;
  std::optional<bool> status_mode;  // mode: status (else auth); absent: by the credentials
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    if (auto v = r.required("secret")) {
      if (const SecretSet* set = setup.secret_set(*v)) {
        if (!set->secret) {
          v->error("the shared secret must be a secret with `secret` (secret_env or secret_file)");
        } else {
          s.secret = set->secret->value();
        }
      }
    }
    if (auto v = r.get("credentials")) {
      if (auto account = setup.account(*v, "the test account")) {
        s.username = account->username;
        s.password = account->password;
        have_credentials = true;
      }
    }
    if (auto v = r.get("mode")) {
      bool status = false;
      if (read_enum(*v, status, {{"auth", false}, {"status", true}})) status_mode = status;
    }
    if (auto v = r.get("expect")) {
      read_enum(*v, s.expect_accept, {{"accept", true}, {"reject", false}});
    }
    if (auto v = r.get("nas_identifier")) s.nas_identifier = v->text().value_or(s.nas_identifier);
    if (auto v = r.get("nas_ip_address")) {
      boost::system::error_code ec;
      const auto text = v->string().value_or("");
      s.nas_ip = asio::ip::make_address_v4(text, ec);
      if (ec) v->error("expected an IPv4 address");
    }
    if (auto v = r.get("tries")) s.tries = int(v->integer(1, 10).value_or(3));
    if (auto v = r.get("try_timeout")) s.try_timeout = read_duration(*v).value_or(s.try_timeout);
    if (auto v = r.get("require_message_authenticator")) {
      s.require_message_authenticator = v->boolean().value_or(true);
    }
  });
  if (!ok) return std::nullopt;
  s.status_server = status_mode.value_or(!have_credentials);
  if (!s.status_server && !have_credentials) {
    setup.params->error("mode auth needs params.credentials (a test account)");
    return std::nullopt;
  }
  return s;
}

radius::Authenticator random_authenticator() {
  radius::Authenticator a{};
  if (RAND_bytes(a.data(), int(a.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return a;
}

class RadiusProbe final : public Probe {
 public:
  explicit RadiusProbe(RadiusSettings s) : s_(std::move(s)) {}

  asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    nlohmann::json evidence = {{"server", s_.target.str()},
                               {"request", s_.status_server ? "Status-Server" : "Access-Request"}};
    auto failed = [&](FailureKind kind, std::string reason) {
      return ProbeResult::fail(kind, std::move(reason), evidence);
    };
    boost::system::error_code ec;
    udp::resolver resolver(ctx.executor);
    const auto started = std::chrono::steady_clock::now();
    auto endpoints =
        co_await resolver.async_resolve(udp::v4(), s_.target.host, std::to_string(s_.target.port),
                                        asio::redirect_error(asio::use_awaitable, ec));
    if (ec || endpoints.empty()) {
      co_return failed(FailureKind::resolve,
                       "cannot resolve " + s_.target.host + ": " + ec.message());
    }
    const udp::endpoint server = *endpoints.begin();
    udp::socket socket(ctx.executor);
    socket.open(udp::v4(), ec);
    if (!ec) socket.connect(server, ec);  // only this server's datagrams are delivered
    if (ec) co_return failed(FailureKind::connect, "cannot open a UDP socket: " + ec.message());
    asio::steady_timer timer(ctx.executor);
    auto scope = ctx.cancel.on_cancel([&] {
      boost::system::error_code ignored;
      socket.close(ignored);
      timer.cancel();
    });

    radius::Packet request;
    request.code = s_.status_server ? radius::status_server : radius::access_request;
    request.authenticator = random_authenticator();
    request.id = request.authenticator[0];
    if (!s_.status_server) {
      request.attributes.push_back({radius::user_name, s_.username});
      auto hidden = radius::hide_password(s_.password.value(), s_.secret, request.authenticator);
      if (!hidden) co_return failed(FailureKind::internal, "the password is longer than 128 bytes");
      request.attributes.push_back({radius::user_password, *hidden});
    }
    request.attributes.push_back({radius::nas_identifier, s_.nas_identifier});
    if (s_.nas_ip) {
      const auto bytes = s_.nas_ip->to_bytes();
      request.attributes.push_back(
          {radius::nas_ip_address, std::string(bytes.begin(), bytes.end())});
    }
    const std::string datagram = radius::encode_request(request, s_.secret);
    ctx.log.add("> ", radius::code_name(request.code), " id ", std::to_string(request.id), " to ",
                server.address().to_string(), ":", std::to_string(server.port()),
                s_.status_server ? "" : " for " + s_.username);

    std::string buffer(4096, '\0');
    std::string last_problem;
    for (int attempt = 1; attempt <= s_.tries; ++attempt) {
      const auto sent = std::chrono::steady_clock::now();
      co_await socket.async_send(asio::buffer(datagram),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return failed(FailureKind::connect, "cannot send: " + ec.message());
      const auto try_deadline = sent + std::min(s_.try_timeout, ctx.remaining());
      // Read until a datagram with our id verifies, or this try's time is up.
      while (true) {
        timer.expires_at(try_deadline);
        timer.async_wait([&socket](const boost::system::error_code& e) {
          if (!e) {
            boost::system::error_code ignored;
            socket.cancel(ignored);
          }
        });
        const std::size_t n = co_await socket.async_receive(
            asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
        timer.cancel();
        if (ctx.cancel.cancelled()) {
          co_return failed(FailureKind::timeout, "no answer before the check's timeout");
        }
        if (ec == asio::error::operation_aborted) break;  // this try timed out
        if (ec == asio::error::connection_refused) {
          // ICMP port unreachable: nothing listens there.
          co_return failed(FailureKind::connect,
                           "nothing listens on " + s_.target.str() + " (ICMP port unreachable)");
        }
        if (ec) co_return failed(FailureKind::connect, "receive failed: " + ec.message());
        const std::string_view answer(buffer.data(), n);
        if (n >= 2 && std::uint8_t(answer[1]) != request.id) {
          ctx.log.add("< a datagram for another id, ignored");
          continue;
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
        co_return judge(ctx, answer, request, attempt, seconds, started, evidence);
      }
      last_problem = "no answer within " + format_duration(s_.try_timeout);
      ctx.log.add("try ", std::to_string(attempt), ": ", last_problem);
      if (ctx.remaining().count() == 0) break;
    }
    co_return failed(FailureKind::timeout,
                     "no answer from " + s_.target.str() + " after " + std::to_string(s_.tries) +
                         " tries (a wrong shared secret makes servers drop requests silently)");
  }

 private:
  ProbeResult judge(ProbeContext& ctx, std::string_view answer, const radius::Packet& request,
                    int attempt, double seconds, std::chrono::steady_clock::time_point started,
                    nlohmann::json& evidence) const {
    std::string error;
    const auto packet = radius::decode(answer, error);
    evidence["tries"] = attempt;
    evidence["round_trip_ms"] = int(seconds * 1000);
    auto result_with = [&](ProbeResult r) {
      r.measure("radius_round_trip_seconds", seconds);
      r.measure("radius_tries", attempt);
      r.phase("exchange",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      r.evidence = evidence;
      return r;
    };
    if (!packet)
      return result_with(
          ProbeResult::fail(FailureKind::protocol_error, "malformed response: " + error));
    evidence["response"] = radius::code_name(packet->code);
    nlohmann::json names = nlohmann::json::array();
    for (const auto& avp : packet->attributes) {
      names.push_back(radius::attribute_name(avp.type));
      if (avp.type == radius::reply_message) evidence["reply_message"] = avp.value;
    }
    evidence["attributes"] = names;
    ctx.log.add("< ", radius::code_name(packet->code), " id ", std::to_string(packet->id), " with ",
                names.dump());
    if (auto problem = radius::verify_response(answer, request.authenticator, s_.secret,
                                               s_.require_message_authenticator)) {
      return result_with(ProbeResult::fail(
          FailureKind::protocol_error, radius::code_name(packet->code) + " refused: " + *problem));
    }
    const bool accepted = packet->code == radius::access_accept;
    const bool rejected = packet->code == radius::access_reject;
    if (!accepted && !rejected) {
      return result_with(ProbeResult::fail(FailureKind::protocol_error,
                                           "unexpected " + radius::code_name(packet->code) +
                                               " (multi-round authentication is not supported)"));
    }
    const std::string what = s_.status_server ? "Status-Server answered " : (s_.username + ": ");
    if (accepted == s_.expect_accept || s_.status_server) {
      if (s_.status_server && !accepted) {
        return result_with(
            ProbeResult::fail(FailureKind::protocol_error, what + radius::code_name(packet->code)));
      }
      return result_with(ProbeResult::pass(what + radius::code_name(packet->code) +
                                           (s_.expect_accept ? "" : " as expected")));
    }
    const std::string reply = evidence.value("reply_message", "");
    return result_with(
        ProbeResult::fail(s_.expect_accept ? FailureKind::auth_rejected : FailureKind::bad_content,
                          what + radius::code_name(packet->code) +
                              (s_.expect_accept ? "" : ", but a reject was expected") +
                              (reply.empty() ? "" : " (Reply-Message: " + reply + ")")));
  }

  RadiusSettings s_;
};

}  // namespace

CAMPUS_REGISTER_PROBE("radius", probe_from_settings<RadiusProbe>(parse_radius_settings),
                      .measurements = {{"radius_round_trip_seconds",
                                        "Round trip of the answered RADIUS request"},
                                       {"radius_tries", "Sends until the RADIUS server answered"}});

}  // namespace campus
