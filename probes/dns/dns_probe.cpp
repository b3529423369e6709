// The `dns` probe: resolve a name through the system resolver (A and/or AAAA) and optionally
// require certain addresses in the answer.

#include <algorithm>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/settings.h"
#include "core/duration.h"
#include "probe/registry.h"

namespace campus {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct DnsSettings {
  std::string name;
  enum class Family { a, aaaa, any } family = Family::a;
  std::vector<std::string> expect_addresses;
};

class DnsProbe final : public Probe {
 public:
  explicit DnsProbe(DnsSettings s) : s_(std::move(s)) {}

  asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    tcp::resolver resolver(ctx.executor);
    auto scope = ctx.cancel.on_cancel([&] { resolver.cancel(); });
    boost::system::error_code ec;
    const auto t0 = std::chrono::steady_clock::now();
    ctx.log.add("resolving " + s_.name);
    tcp::resolver::results_type results;
    const auto flags = tcp::resolver::address_configured;
    if (s_.family == DnsSettings::Family::a) {
      results = co_await resolver.async_resolve(tcp::v4(), s_.name, "", flags,
                                                asio::redirect_error(asio::use_awaitable, ec));
    } else if (s_.family == DnsSettings::Family::aaaa) {
      results = co_await resolver.async_resolve(tcp::v6(), s_.name, "", flags,
                                                asio::redirect_error(asio::use_awaitable, ec));
    } else {
      results = co_await resolver.async_resolve(s_.name, "", flags,
                                                asio::redirect_error(asio::use_awaitable, ec));
    }
    const double seconds = to_seconds(std::chrono::steady_clock::now() - t0);
    nlohmann::json evidence = {{"name", s_.name}};
    if (ec) {
      ProbeResult r =
          ProbeResult::fail(ctx.cancel.cancelled() ? FailureKind::timeout : FailureKind::resolve,
                            "cannot resolve " + s_.name + ": " + ec.message());
      r.phase("dns", seconds);
      r.evidence = evidence;
      co_return r;
    }
    std::vector<std::string> addresses;
    for (const auto& entry : results) {
      const std::string a = entry.endpoint().address().to_string();
      if (std::find(addresses.begin(), addresses.end(), a) == addresses.end()) {
        addresses.push_back(a);
      }
    }
    evidence["addresses"] = addresses;
    ctx.log.add("answer: " + std::to_string(addresses.size()) + " address(es)");
    ProbeResult result = ProbeResult::pass(s_.name + " resolves to " +
                                           std::to_string(addresses.size()) + " address(es)");
    for (const auto& expected : s_.expect_addresses) {
      if (std::find(addresses.begin(), addresses.end(), expected) == addresses.end()) {
        result = ProbeResult::fail(FailureKind::bad_content,
                                   s_.name + " does not resolve to " + expected);
        break;
      }
    }
    result.phase("dns", seconds);
    result.measure("dns_answers", double(addresses.size()));
    result.evidence = std::move(evidence);
    co_return result;
  }

 private:
  DnsSettings s_;
};

std::optional<DnsSettings> parse_dns_settings(ProbeSetup& setup) {
  DnsSettings s;
  s.name = setup.target;
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    if (auto v = r.get("type")) {
      using Family = DnsSettings::Family;
      read_enum(*v, s.family, {{"A", Family::a}, {"AAAA", Family::aaaa}, {"any", Family::any}});
    }
    if (auto v = r.get("expect_addresses")) {
      if (auto list = v->string_list()) {
        for (const auto& a : *list) {
          boost::system::error_code ec;
          auto address = asio::ip::make_address(a, ec);
          if (ec) {
            v->error("'" + a + "' is not an IP address");
          } else {
            s.expect_addresses.push_back(address.to_string());
          }
        }
      }
    }
  });
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace

CAMPUS_REGISTER_PROBE("dns", probe_from_settings<DnsProbe>(parse_dns_settings),
                      .measurements = {{"dns_answers", "Addresses in the last DNS answer",
                                        "probe_dns_answer_rrs"}});

}  // namespace campus
