// The `tcp` probe: connect, optionally send a line, optionally expect a reply matching a regex
// (a banner such as an SMTP greeting or a SIP2 answer).

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/settings.h"
#include "common/tcp_connect.h"
#include "core/duration.h"
#include "core/regex.h"
#include "core/text_width.h"
#include "net/host_port.h"
#include "probe/registry.h"

namespace campus {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct TcpSettings {
  HostPort target;
  std::optional<std::string> send;
  std::optional<Regex> expect;
  std::size_t max_read_bytes = 4096;
};

class TcpProbe final : public Probe {
 public:
  explicit TcpProbe(TcpSettings s) : s_(std::move(s)) {}

  asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    tcp::socket socket(ctx.executor);
    auto scope = ctx.cancel.on_cancel([&] {
      boost::system::error_code ignored;
      socket.close(ignored);
    });
    nlohmann::json evidence = {{"target", s_.target.str()}};
    ProbeResult result = ProbeResult::pass("connected to " + s_.target.str());
    if (auto failed = co_await resolve_and_connect(ctx, socket, s_.target, evidence, result)) {
      co_return std::move(*failed);
    }
    const auto t2 = std::chrono::steady_clock::now();
    boost::system::error_code ec;

    if (s_.send) {
      co_await asio::async_write(socket, asio::buffer(*s_.send),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return ProbeResult::fail(FailureKind::protocol_error, "cannot send: " + ec.message(),
                                    evidence);
      }
      ctx.log.add("sent ", std::to_string(s_.send->size()), " bytes");
    }
    if (s_.expect) {
      std::string received;
      char chunk[1024];
      bool matched = false;
      while (!matched && received.size() < s_.max_read_bytes) {
        const std::size_t n = co_await socket.async_read_some(
            asio::buffer(chunk, std::min(sizeof chunk, s_.max_read_bytes - received.size())),
            asio::redirect_error(asio::use_awaitable, ec));
        received.append(chunk, n);
        matched = s_.expect->search(received);
        if (ec) break;
      }
      const auto t3 = std::chrono::steady_clock::now();
      result.phase("reply", to_seconds(t3 - t2));
      evidence["received_bytes"] = received.size();
      evidence["excerpt"] = utf8_excerpt(received, 256);
      ctx.log.add("received ", std::to_string(received.size()), " bytes");
      if (!matched) {
        if (ctx.cancel.cancelled())
          co_return ProbeResult::fail(FailureKind::timeout, "no matching reply", evidence);
        const std::string why = ec == asio::error::eof ? "the server closed the connection"
                                : ec                   ? ec.message()
                                                       : "read limit reached";
        co_return ProbeResult::fail(
            FailureKind::bad_content,
            "reply does not match /" + s_.expect->pattern() + "/ (" + why + ")", evidence);
      }
      result.reason += ", reply matches /" + s_.expect->pattern() + "/";
    }
    result.evidence = std::move(evidence);
    co_return result;
  }

 private:
  TcpSettings s_;
};

std::optional<TcpSettings> parse_tcp_settings(ProbeSetup& setup) {
  TcpSettings s;
  auto target = setup.host_port_target("127.0.0.1:25 or [::1]:25");
  if (!target) return std::nullopt;
  s.target = *target;
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    if (auto v = r.get("send")) s.send = v->string();
    if (auto v = r.get("expect")) s.expect = read_regex(*v);
    if (auto v = r.get("max_read_bytes")) {
      s.max_read_bytes = std::size_t(v->integer(1, 1 << 20).value_or(4096));
    }
  });
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace

CAMPUS_REGISTER_PROBE("tcp", probe_from_settings<TcpProbe>(parse_tcp_settings));

}  // namespace campus
