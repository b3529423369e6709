// The `tls` probe: a TLS handshake only. Reports whether the chain verifies (and why not), the
// leaf's subject, issuer, names and expiry, and the protocol and cipher agreed.

#include <ctime>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/settings.h"
#include "common/tcp_connect.h"
#include "core/duration.h"
#include "net/host_port.h"
#include "probe/registry.h"

namespace campus {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

struct TlsProbeSettings {
  HostPort target;
  std::string server_name;  ///< tls.server_name, else the target's host
  TlsSettings tls;          ///< verify, ca_file, min_version
  int min_days_left = 14;
};

int openssl_version(TlsVersion v) {
  switch (v) {
    case TlsVersion::v1_3:
      return TLS1_3_VERSION;
    case TlsVersion::v1_2:
      return TLS1_2_VERSION;
    case TlsVersion::v1_1:
      return TLS1_1_VERSION;
    case TlsVersion::v1_0:
      break;
  }
  return TLS1_VERSION;
}

std::string name_of(X509_NAME* name) {
  if (!name) return "";
  char buffer[512];
  X509_NAME_oneline(name, buffer, sizeof buffer);
  return buffer;
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                       ASN1_STRING_length(n->d.dNSName));
    } else if (n->type == GEN_IPADD) {
      const auto* data = ASN1_STRING_get0_data(n->d.iPAddress);
      const int length = ASN1_STRING_length(n->d.iPAddress);
      if (length == 4) {
        out.push_back(asio::ip::address_v4({data[0], data[1], data[2], data[3]}).to_string());
      } else if (length == 16) {
        asio::ip::address_v6::bytes_type bytes;
        std::copy(data, data + 16, bytes.begin());
        out.push_back(asio::ip::address_v6(bytes).to_string());
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

class TlsProbe final : public Probe {
 public:
  explicit TlsProbe(TlsProbeSettings s) : s_(std::move(s)) {}

  asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    ssl::context tls(ssl::context::tls_client);
    if (s_.tls.ca_file) {
      tls.load_verify_file(*s_.tls.ca_file);
    } else {
      tls.set_default_verify_paths();
    }
    if (s_.tls.min_version) {
      SSL_CTX_set_min_proto_version(tls.native_handle(), openssl_version(*s_.tls.min_version));
    }
    // Verify, but finish the handshake either way so the certificate can be reported; the
    // verification result is judged below.
    tls.set_verify_mode(ssl::verify_none);
    ssl::stream<tcp::socket> stream(ctx.executor, tls);
    auto scope = ctx.cancel.on_cancel([&] {
      boost::system::error_code ignored;
      stream.lowest_layer().close(ignored);
    });
    SSL* native = stream.native_handle();
    SSL_set_tlsext_host_name(native, s_.server_name.c_str());
    SSL_set1_host(native, s_.server_name.c_str());

    nlohmann::json evidence = {{"target", s_.target.str()}, {"server_name", s_.server_name}};
    ProbeResult result = ProbeResult::pass("");
    if (auto failed =
            co_await resolve_and_connect(ctx, stream.next_layer(), s_.target, evidence, result)) {
      co_return std::move(*failed);
    }
    boost::system::error_code ec;
    const auto t2 = std::chrono::steady_clock::now();
    ctx.log.add("TLS handshake with server name ", s_.server_name);
    co_await stream.async_handshake(ssl::stream_base::client,
                                    asio::redirect_error(asio::use_awaitable, ec));
    const auto t3 = std::chrono::steady_clock::now();
    if (ec) {
      co_return ProbeResult::fail(ctx.cancel.cancelled() ? FailureKind::timeout : FailureKind::tls,
                                  "TLS handshake failed: " + ec.message(), evidence);
    }
    result.phase("tls", to_seconds(t3 - t2));

    const long verify = SSL_get_verify_result(native);
    const std::string version = SSL_get_version(native);
    const std::string cipher = SSL_get_cipher_name(native);
    evidence["protocol"] = version;
    evidence["cipher"] = cipher;
    evidence["chain_verified"] = verify == X509_V_OK;
    if (verify != X509_V_OK) evidence["verify_error"] = X509_verify_cert_error_string(verify);
    result.measure("tls_chain_verified", verify == X509_V_OK ? 1 : 0);

    X509* leaf = SSL_get0_peer_certificate(native);
    if (!leaf)
      co_return ProbeResult::fail(FailureKind::tls, "the server sent no certificate", evidence);
    std::tm tm{};
    double not_after = 0;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) == 1) not_after = double(timegm(&tm));
    const double days_left = (not_after - double(std::time(nullptr))) / 86400.0;
    evidence["subject"] = name_of(X509_get_subject_name(leaf));
    evidence["issuer"] = name_of(X509_get_issuer_name(leaf));
    evidence["sans"] = subject_alt_names(leaf);
    evidence["not_after"] = not_after;
    evidence["days_left"] = days_left;
    result.measure("tls_cert_not_after_timestamp_seconds", not_after);
    result.measure("tls_cert_days_left", days_left);
    ctx.log.add(version + " " + cipher + "; leaf " + evidence["subject"].get<std::string>() + ", " +
                std::to_string(int(days_left)) + " days left; verify: " +
                (verify == X509_V_OK ? "ok" : X509_verify_cert_error_string(verify)));

    boost::system::error_code ignored;
    stream.lowest_layer().close(ignored);
    result.evidence = evidence;
    if (s_.tls.verify && verify != X509_V_OK) {
      result.verdict = Verdict::fail;
      result.kind = FailureKind::tls;
      result.reason =
          std::string("certificate not trusted: ") + X509_verify_cert_error_string(verify);
    } else if (days_left < s_.min_days_left) {
      result.verdict = Verdict::fail;
      result.kind = FailureKind::tls;
      result.reason = "certificate expires in " + std::to_string(int(days_left)) +
                      " days, less than min_days_left " + std::to_string(s_.min_days_left);
    } else {
      result.reason =
          version + ", certificate valid for " + std::to_string(int(days_left)) + " more days";
    }
    co_return result;
  }

 private:
  TlsProbeSettings s_;
};

std::optional<TlsProbeSettings> parse_tls_settings(ProbeSetup& setup) {
  TlsProbeSettings s;
  auto target = setup.host_port_target("auth.example.edu.cn:443");
  if (!target) return std::nullopt;
  s.target = *target;
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    // The TLS keys sit at the top of the params here, read in the order they always were.
    read_tls_keys(r, s.tls, {TlsKey::server_name, TlsKey::ca_file, TlsKey::verify});
    if (auto v = r.get("min_days_left")) s.min_days_left = int(v->integer(0, 3650).value_or(14));
    read_tls_keys(r, s.tls, {TlsKey::min_version});
  });
  if (!ok) return std::nullopt;
  s.server_name = s.tls.server_name.value_or(target->host);
  return s;
}

}  // namespace

CAMPUS_REGISTER_PROBE(
    "tls", probe_from_settings<TlsProbe>(parse_tls_settings),
    .measurements = {
        {"tls_chain_verified", "1 if the certificate chain verified"},
        {"tls_cert_not_after_timestamp_seconds", "Expiry (notAfter) of the peer's leaf certificate",
         "probe_ssl_earliest_cert_expiry"},
        {"tls_cert_days_left", "Days until the peer's leaf certificate expires"}});

}  // namespace campus
