// The `sip2` probe: the library's self-service interface (学生能获取图书馆借阅信息). Logs in as
// the self-check terminal, asks for the ACS status, and optionally looks up a test patron, as a
// self-service kiosk would; over TCP or TLS.

#include <ctime>
#include <iconv.h>
#include <utility>

#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/settings.h"
#include "common/tcp_connect.h"
#include "core/text_width.h"
#include "probe/registry.h"
#include "sip2_message.h"

namespace campus {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Sip2Settings {
  HostPort target;
  std::string login_user;
  Secret login_password;
  std::string location;
  std::optional<std::string> institution;
  std::optional<std::string> patron;
  Secret patron_password;
  bool use_tls = false;
  TlsSettings tls;  ///< verify and ca_file
  std::string encoding = "UTF-8";
  sip2::Options options;
};

std::string unescape(std::string text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      const char c = text[++i];
      out += c == 'r' ? '\r' : c == 'n' ? '\n' : c;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<Sip2Settings> parse_sip2_settings(ProbeSetup& setup) {
  Sip2Settings s;
  auto target = setup.host_port_target("lib.example.edu.cn:6001");
  if (!target) return std::nullopt;
  s.target = *target;
  if (!setup.params) {
    setup.target_value.error("a sip2 check needs params.login (the terminal's SIP2 account)");
    return std::nullopt;
  }
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    if (auto v = r.required("login")) {
      if (auto account = setup.account(*v, "the SIP2 login")) {
        s.login_user = account->username;
        s.login_password = account->password;
      }
    }
    if (auto v = r.get("location")) s.location = v->string().value_or("");
    if (auto v = r.get("institution")) s.institution = v->string();
    if (auto v = r.get("patron")) {
      if (const SecretSet* set = setup.secret_set(*v)) {
        if (!set->username) {
          v->error("the test patron needs a username (the patron barcode) and may have a password");
        } else {
          s.patron = *set->username;
          if (set->password) s.patron_password = *set->password;
        }
      }
    }
    if (auto v = r.get("tls")) {
      auto tr = v->map();
      s.use_tls = true;
      if (auto t = tr.get("enabled")) s.use_tls = t->boolean().value_or(true);
      read_tls_keys(tr, s.tls, {TlsKey::verify, TlsKey::ca_file});
      tr.finish();
    }
    if (auto v = r.get("encoding")) {
      read_enum(*v, s.encoding,
                {{"utf-8", "UTF-8"},
                 {"gb18030", "GB18030"},
                 {"UTF-8", "UTF-8", false},
                 {"GB18030", "GB18030", false}});
    }
    if (auto v = r.get("error_detection")) s.options.error_detection = v->boolean().value_or(true);
    if (auto v = r.get("field_terminator")) {
      const auto t = unescape(v->string().value_or("|"));
      if (t.size() != 1) {
        v->error("expected one character");
      } else {
        s.options.field_terminator = t[0];
      }
    }
    if (auto v = r.get("message_terminator")) {
      s.options.message_terminator = unescape(v->string().value_or("\\r"));
      if (s.options.message_terminator.empty() || s.options.message_terminator.size() > 2) {
        v->error("expected \\r, \\n or \\r\\n");
      }
    }
  });
  if (!ok) return std::nullopt;
  return s;
}

// Text from the ACS in the configured encoding, as UTF-8 for evidence and logs.
std::string to_utf8(const std::string& text, const std::string& encoding,
                    std::size_t max_bytes = 200) {
  if (encoding == "UTF-8") return utf8_excerpt(text, max_bytes);
  iconv_t cd = iconv_open("UTF-8", encoding.c_str());
  if (cd == iconv_t(-1)) return utf8_excerpt(text, max_bytes);
  std::string out(text.size() * 4 + 4, '\0');
  char* in = const_cast<char*>(text.data());
  std::size_t in_left = text.size();
  char* dst = out.data();
  std::size_t out_left = out.size();
  const bool ok = iconv(cd, &in, &in_left, &dst, &out_left) != std::size_t(-1);
  iconv_close(cd);
  if (!ok) return "(undecodable " + encoding + " text)";
  out.resize(out.size() - out_left);
  return utf8_excerpt(out, max_bytes);
}

std::string transaction_date() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char out[19];
  std::strftime(out, sizeof out, "%Y%m%d    %H%M%S", &local);
  return out;
}

// One SIP2 conversation on a plain or TLS connection.
class Conversation {
 public:
  Conversation(ProbeContext& ctx, const Sip2Settings& s)
      : ctx_(ctx), s_(s), socket_(ctx.executor), tls_context_(asio::ssl::context::tls_client) {}

  tcp::socket& socket() { return socket_; }

  asio::awaitable<std::optional<std::string>> start_tls() {
    tls_context_.set_default_verify_paths();
    if (s_.tls.ca_file) tls_context_.load_verify_file(*s_.tls.ca_file);
    tls_.emplace(socket_, tls_context_);
    tls_->set_verify_mode(s_.tls.verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
    if (s_.tls.verify) {
      tls_->set_verify_callback(asio::ssl::host_name_verification(s_.target.host));
    }
    SSL_set_tlsext_host_name(tls_->native_handle(), s_.target.host.c_str());
    boost::system::error_code ec;
    co_await tls_->async_handshake(asio::ssl::stream_base::client,
                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return "TLS handshake failed: " + ec.message();
    co_return std::nullopt;
  }

  /// Sends `request`, returns the answer without its terminator, or nullopt with `error`.
  asio::awaitable<std::optional<std::string>> exchange(const std::string& request,
                                                       std::string& error) {
    boost::system::error_code ec;
    if (tls_) {
      co_await asio::async_write(*tls_, asio::buffer(request),
                                 asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await asio::async_write(socket_, asio::buffer(request),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      error = "send failed: " + ec.message();
      co_return std::nullopt;
    }
    const char terminator = s_.options.message_terminator.back();
    std::size_t n = 0;
    if (tls_) {
      n = co_await asio::async_read_until(*tls_, buffer_, terminator,
                                          asio::redirect_error(asio::use_awaitable, ec));
    } else {
      n = co_await asio::async_read_until(socket_, buffer_, terminator,
                                          asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      error = ec == asio::error::eof         ? "the ACS closed the connection"
              : ec == asio::error::not_found ? "an answer longer than 64 KiB without a terminator"
                                             : "receive failed: " + ec.message();
      co_return std::nullopt;
    }
    std::string answer(asio::buffers_begin(buffer_.data()),
                       asio::buffers_begin(buffer_.data()) + std::ptrdiff_t(n));
    buffer_.consume(n);
    // Some ACSs send \r\n: a leading \n left from the previous answer is not part of this one.
    while (!answer.empty() && (answer.front() == '\n' || answer.front() == '\r'))
      answer.erase(0, 1);
    co_return answer;
  }

 private:
  ProbeContext& ctx_;
  const Sip2Settings& s_;
  tcp::socket socket_;
  asio::ssl::context tls_context_;
  std::optional<asio::ssl::stream<tcp::socket&>> tls_;
  asio::streambuf buffer_{64 * 1024};
};

std::string printable(std::string_view message) {
  std::string out;
  for (char c : message) {
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

class Sip2Probe final : public Probe {
 public:
  explicit Sip2Probe(Sip2Settings s) : s_(std::move(s)) {}

  asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    Conversation conversation(ctx, s_);
    auto scope = ctx.cancel.on_cancel([&] {
      boost::system::error_code ignored;
      conversation.socket().close(ignored);
    });
    nlohmann::json evidence = {{"target", s_.target.str()}};
    ProbeResult result = ProbeResult::pass("");
    if (auto failed =
            co_await resolve_and_connect(ctx, conversation.socket(), s_.target, evidence, result)) {
      co_return std::move(*failed);
    }
    auto fail = [&](FailureKind kind, std::string reason) {
      ProbeResult r = ProbeResult::fail(kind, std::move(reason), evidence);
      r.phases = result.phases;
      r.measurements = result.measurements;
      return r;
    };
    if (s_.use_tls) {
      if (auto problem = co_await conversation.start_tls())
        co_return fail(FailureKind::tls, *problem);
    }
    nlohmann::json exchanged = nlohmann::json::array();
    int sequence = 0;
    // One request and its answer, parsed; the failure reason names the message.
    std::string error;
    auto ask = [&](const std::string& request, const char* name, const char* answer_id,
                   std::size_t fixed) -> asio::awaitable<std::optional<sip2::Response>> {
      const auto started = std::chrono::steady_clock::now();
      ctx.log.add("> ", printable(redact_request(request)));
      auto answer = co_await conversation.exchange(request, error);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      result.phase(name, seconds);
      if (!answer) {
        error = std::string(name) + ": " + error;
        co_return std::nullopt;
      }
      ctx.log.add("< ", printable(to_utf8(*answer, s_.encoding, 2048)));
      exchanged.push_back(request.substr(0, 2) + "→" + answer->substr(0, 2));
      auto parsed = sip2::parse_response(*answer, answer_id, fixed, sequence, s_.options, error);
      if (!parsed) error = std::string(name) + ": " + error;
      ++sequence;
      co_return parsed;
    };
    auto finish_evidence = [&] { evidence["messages"] = exchanged; };

    // 93 → 94: the terminal's login.
    auto login = co_await ask(sip2::login_request(s_.login_user, s_.login_password.value(),
                                                  s_.location, sequence, s_.options),
                              "login", "94", sip2::kLoginResponseFixed);
    finish_evidence();
    if (!login) co_return fail(kind_of(error), error);
    if (login->fixed != "1") {
      co_return fail(FailureKind::auth_rejected,
                     "login: the ACS refused the terminal's login (94 ok=" + login->fixed + ")");
    }
    // 99 → 98: the ACS status.
    auto status = co_await ask(sip2::sc_status_request(sequence, s_.options), "sc_status", "98",
                               sip2::kAcsStatusFixed);
    finish_evidence();
    if (!status) co_return fail(kind_of(error), error);
    const std::string& f = status->fixed;
    auto flag = [&](std::size_t i) { return f[i] == 'Y'; };
    const std::string institution = status->field("AO").value_or("");
    evidence["acs"] = {{"online", flag(0)},
                       {"checkin_ok", flag(1)},
                       {"checkout_ok", flag(2)},
                       {"renewal_policy", flag(3)},
                       {"status_update_ok", flag(4)},
                       {"offline_ok", flag(5)},
                       {"protocol_version", f.substr(30, 4)},
                       {"institution", to_utf8(institution, s_.encoding)},
                       {"library_name", to_utf8(status->field("AM").value_or(""), s_.encoding)},
                       {"supported_messages", status->field("BX").value_or("")}};
    result.measure("sip2_acs_online", flag(0) ? 1 : 0);
    if (!flag(0))
      co_return fail(FailureKind::bad_content, "sc_status: the ACS reports itself offline");

    std::string summary = "ACS online, protocol " + f.substr(30, 4);
    if (s_.patron) {
      // 63 → 64: the test patron's record.
      auto patron =
          co_await ask(sip2::patron_information_request(s_.institution.value_or(institution),
                                                        *s_.patron, s_.patron_password.value(),
                                                        transaction_date(), sequence, s_.options),
                       "patron_information", "64", sip2::kPatronInfoFixed);
      finish_evidence();
      if (!patron) co_return fail(kind_of(error), error);
      const std::string& p = patron->fixed;
      auto count = [&](std::size_t at) {
        const std::string digits = p.substr(at, 4);
        return std::all_of(
                   digits.begin(), digits.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == ' '; })
                   ? std::atoi(digits.c_str())
                   : -1;
      };
      const bool valid = patron->field("BL").value_or("N") == "Y";
      const auto password_valid = patron->field("CQ");
      evidence["patron"] = {{"valid", valid},
                            // "password" in a key would have the evidence redactor blank it.
                            {"pin_accepted", password_valid.value_or("")},
                            {"status_flags", p.substr(0, 14)},
                            {"holds", count(35)},
                            {"overdue", count(39)},
                            {"charged", count(43)},
                            {"fines", count(47)}};
      if (count(43) >= 0) result.measure("sip2_patron_charged_items", count(43));
      if (!valid)
        co_return fail(FailureKind::bad_content,
                       "patron_information: the ACS says the test patron is not valid (BL=N)");
      if (!s_.patron_password.empty() && password_valid != "Y") {
        co_return fail(FailureKind::auth_rejected,
                       "patron_information: the test patron's password was not accepted (CQ=" +
                           password_valid.value_or("absent") + ")");
      }
      summary += ", patron valid with " + std::to_string(count(43)) + " item(s) charged";
    }
    result.reason = summary;
    result.evidence = std::move(evidence);
    co_return result;
  }

 private:
  // The login and patron passwords never reach the step log.
  std::string redact_request(std::string request) const {
    for (const std::string& secret : {s_.login_password.value(), s_.patron_password.value()}) {
      if (secret.empty()) continue;
      for (auto at = request.find(secret); at != std::string::npos; at = request.find(secret, at)) {
        request.replace(at, secret.size(), "[redacted]");
      }
    }
    return request;
  }

  static FailureKind kind_of(const std::string& error) {
    if (error.find("closed the connection") != std::string::npos ||
        error.find("receive failed") != std::string::npos ||
        error.find("send failed") != std::string::npos) {
      return FailureKind::connect;
    }
    return FailureKind::protocol_error;
  }

  Sip2Settings s_;
};

}  // namespace

CAMPUS_REGISTER_PROBE("sip2", probe_from_settings<Sip2Probe>(parse_sip2_settings),
                      .measurements = {
                          {"sip2_acs_online", "1 if the SIP2 ACS reports itself online"},
                          {"sip2_patron_charged_items", "Items charged to the test patron"}});

}  // namespace campus
