#include "ldap_session.h"

#include <algorithm>
#include <map>
#include <memory>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <ldap.h>

namespace campus {
namespace {

using Clock = std::chrono::steady_clock;

struct LdapDeleter {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
using LdapHandle = std::unique_ptr<LDAP, LdapDeleter>;

struct MessageDeleter {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
using LdapMessagePtr = std::unique_ptr<LDAPMessage, MessageDeleter>;

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

FailureKind kind_of(int rc, bool tls) {
  switch (rc) {
    case LDAP_SERVER_DOWN:
      return FailureKind::connect;
    case LDAP_TIMEOUT:
    case LDAP_TIMELIMIT_EXCEEDED:
      return FailureKind::timeout;
    case LDAP_CONNECT_ERROR:
      return tls ? FailureKind::tls : FailureKind::connect;
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_UNWILLING_TO_PERFORM:
    case LDAP_INSUFFICIENT_ACCESS:
      return FailureKind::auth_rejected;
    default:
      return FailureKind::protocol_error;
  }
}

class Session {
 public:
  Session(const LdapSettings& s, std::chrono::milliseconds budget)
      : s_(s), deadline_(Clock::now() + budget) {}

  LdapOutcome run() {
    out_.evidence["uri"] = s_.uri;
    if (!connect()) return std::move(out_);
    if (s_.bind) {
      if (!bind("service bind", s_.bind->dn, s_.bind->password.value())) return std::move(out_);
    }
    if (s_.login && !login()) return std::move(out_);
    if (s_.search) {
      if (!search()) return std::move(out_);
    } else if (!s_.bind && !s_.login) {
      if (!root_dse()) return std::move(out_);
    }
    out_.ok = true;
    out_.kind = FailureKind::none;
    return std::move(out_);
  }

 private:
  timeval remaining() const {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - Clock::now());
    if (left.count() < 1000) left = std::chrono::microseconds(1000);
    return {static_cast<time_t>(left.count() / 1000000),
            static_cast<suseconds_t>(left.count() % 1000000)};
  }

  bool fail(const std::string& what, int rc) {
    std::string reason = what + ": " + ldap_err2string(rc) + " (" + std::to_string(rc) + ")";
    char* diagnostic = nullptr;
    if (ld_ &&
        ldap_get_option(ld_.get(), LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == LDAP_OPT_SUCCESS &&
        diagnostic) {
      const std::string_view text(diagnostic);
      if (!text.empty() && text != "(unknown error code)") reason += ": " + std::string(text);
      ldap_memfree(diagnostic);
    }
    const bool ldaps = s_.uri.rfind("ldaps://", 0) == 0;
    out_.kind = kind_of(rc, s_.start_tls || ldaps);
    // libldap reports a failed TLS handshake on ldaps:// like an unreachable server; if the
    // port does accept TCP, say what really failed.
    if (rc == LDAP_SERVER_DOWN && ldaps && tcp_reachable()) {
      out_.kind = FailureKind::tls;
      reason +=
          " (TCP connects, so the TLS handshake failed: is the server's certificate "
          "trusted by tls.ca_file?)";
    }
    out_.reason = std::move(reason);
    out_.log.push_back(out_.reason);
    return false;
  }

  bool tcp_reachable() const {
    LDAPURLDesc* url = nullptr;
    if (ldap_url_parse(s_.uri.c_str(), &url) != LDAP_URL_SUCCESS) return false;
    const std::string host = url->lud_host ? url->lud_host : "localhost";
    const std::string port = std::to_string(url->lud_port ? url->lud_port : 636);
    ldap_free_urldesc(url);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return false;
    bool reachable = false;
    for (addrinfo* a = found; a && !reachable; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      timeval limit = remaining();
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
      reachable = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0;
      ::close(fd);
    }
    freeaddrinfo(found);
    return reachable;
  }

  bool fail_with(FailureKind kind, std::string reason) {
    out_.kind = kind;
    out_.reason = std::move(reason);
    out_.log.push_back(out_.reason);
    return false;
  }

  void phase(const char* name, Clock::time_point started) {
    out_.phases.push_back({name, std::chrono::duration<double>(Clock::now() - started).count()});
  }

  bool connect() {
    LDAP* raw = nullptr;
    int rc = ldap_initialize(&raw, s_.uri.c_str());
    ld_.reset(raw);
    if (rc != LDAP_SUCCESS) return fail("cannot use URI " + s_.uri, rc);
    const int version = LDAP_VERSION3;
    ldap_set_option(ld_.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld_.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    const timeval limit = remaining();
    ldap_set_option(ld_.get(), LDAP_OPT_NETWORK_TIMEOUT, &limit);
    ldap_set_option(ld_.get(), LDAP_OPT_TIMEOUT, &limit);
    const int require = s_.tls.verify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
    ldap_set_option(ld_.get(), LDAP_OPT_X_TLS_REQUIRE_CERT, &require);
    if (s_.tls.ca_file) {
      ldap_set_option(ld_.get(), LDAP_OPT_X_TLS_CACERTFILE, s_.tls.ca_file->c_str());
    }
    // Per-handle TLS settings take effect only in a new TLS context.
    const int is_server = 0;
    ldap_set_option(ld_.get(), LDAP_OPT_X_TLS_NEWCTX, &is_server);
    out_.log.push_back("connect " + s_.uri);
    if (s_.start_tls) {
      const auto started = Clock::now();
      rc = ldap_start_tls_s(ld_.get(), nullptr, nullptr);
      phase("starttls", started);
      out_.evidence["start_tls"] = rc == LDAP_SUCCESS;
      if (rc != LDAP_SUCCESS) return fail("StartTLS", rc);
      out_.log.push_back("StartTLS established");
    }
    return true;
  }

  bool bind(const std::string& what, const std::string& dn, const std::string& password) {
    berval credentials{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
    const auto started = Clock::now();
    const timeval limit = remaining();
    ldap_set_option(ld_.get(), LDAP_OPT_NETWORK_TIMEOUT, &limit);
    ldap_set_option(ld_.get(), LDAP_OPT_TIMEOUT, &limit);
    const int rc = ldap_sasl_bind_s(ld_.get(), dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr,
                                    nullptr, nullptr);
    phase(what == "service bind" ? "service_bind" : "user_bind", started);
    out_.log.push_back(what + " as " + dn + ": result " + std::to_string(rc));
    out_.evidence["binds"].push_back({{"as", what}, {"dn", dn}, {"result", rc}});
    if (rc != LDAP_SUCCESS) return fail(what + " as " + dn, rc);
    return true;
  }

  bool login() {
    const auto& l = *s_.login;
    std::string dn;
    if (l.dn) {
      dn = replace_all(*l.dn, "${username}", ldap_dn_escape(l.username));
    } else {
      const std::string filter =
          replace_all(l.filter, "${username}", ldap_filter_escape(l.username));
      std::vector<char*> attrs{const_cast<char*>(LDAP_NO_ATTRS), nullptr};
      LDAPMessage* raw = nullptr;
      timeval limit = remaining();
      const auto started = Clock::now();
      const int rc =
          ldap_search_ext_s(ld_.get(), l.base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                            attrs.data(), 0, nullptr, nullptr, &limit, 2, &raw);
      LdapMessagePtr result(raw);
      phase("user_search", started);
      out_.log.push_back("search " + l.base + " " + filter + ": result " + std::to_string(rc));
      if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        return fail("search for the test user", rc);
      }
      const int count = ldap_count_entries(ld_.get(), result.get());
      out_.evidence["user_search"] = {{"base", l.base}, {"filter", filter}, {"entries", count}};
      if (count != 1) {
        return fail_with(count == 0 ? FailureKind::auth_rejected : FailureKind::bad_content,
                         "search for the test user: " + std::to_string(count) + " entries match " +
                             filter + " under " + l.base + ", expected 1");
      }
      char* found = ldap_get_dn(ld_.get(), ldap_first_entry(ld_.get(), result.get()));
      if (found) {
        dn = found;
        ldap_memfree(found);
      }
    }
    return bind("user bind", dn, l.password.value());
  }

  bool search() {
    const auto& q = *s_.search;
    std::vector<char*> attrs;
    for (const auto& a : q.attributes)
      attrs.push_back(const_cast<char*>(a.c_str()));
    for (const auto& [name, value] : q.expect)
      attrs.push_back(const_cast<char*>(name.c_str()));
    attrs.push_back(nullptr);
    LDAPMessage* raw = nullptr;
    timeval limit = remaining();
    const auto started = Clock::now();
    const int rc = ldap_search_ext_s(ld_.get(), q.base.c_str(), q.scope, q.filter.c_str(),
                                     attrs.size() > 1 ? attrs.data() : nullptr, 0, nullptr, nullptr,
                                     &limit, 1000, &raw);
    LdapMessagePtr result(raw);
    phase("search", started);
    out_.log.push_back("search " + q.base + " " + q.filter + ": result " + std::to_string(rc));
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) return fail("search", rc);
    const int count = ldap_count_entries(ld_.get(), result.get());
    out_.entries = count;
    nlohmann::json names = nlohmann::json::array();
    std::map<std::string, std::vector<std::string>> values;  // of the expected attributes
    for (LDAPMessage* e = ldap_first_entry(ld_.get(), result.get()); e;
         e = ldap_next_entry(ld_.get(), e)) {
      BerElement* ber = nullptr;
      for (char* a = ldap_first_attribute(ld_.get(), e, &ber); a;
           a = ldap_next_attribute(ld_.get(), e, ber)) {
        const std::string name = a;
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        if (auto it = q.expect.find(name); it != q.expect.end()) {
          berval** vals = ldap_get_values_len(ld_.get(), e, a);
          for (int i = 0; vals && vals[i]; ++i) {
            values[name].emplace_back(vals[i]->bv_val, vals[i]->bv_len);
          }
          ldap_value_free_len(vals);
        }
        ldap_memfree(a);
      }
      if (ber) ber_free(ber, 0);
    }
    out_.evidence["search"] = {
        {"base", q.base}, {"filter", q.filter}, {"entries", count}, {"attributes", names}};
    if (std::size_t(count) < q.min_entries) {
      return fail_with(FailureKind::bad_content,
                       "search " + q.filter + ": " + std::to_string(count) +
                           " entries, expected at least " + std::to_string(q.min_entries));
    }
    for (const auto& [name, wanted] : q.expect) {
      const auto& have = values[name];
      if (std::find(have.begin(), have.end(), wanted) == have.end()) {
        return fail_with(FailureKind::bad_content, "search " + q.filter + ": no entry has " + name +
                                                       "=" + wanted +
                                                       (have.empty() ? " (attribute absent)" : ""));
      }
    }
    return true;
  }

  bool root_dse() {
    std::vector<char*> attrs{const_cast<char*>("namingContexts"),
                             const_cast<char*>("supportedLDAPVersion"),
                             const_cast<char*>("vendorName"), nullptr};
    LDAPMessage* raw = nullptr;
    timeval limit = remaining();
    const auto started = Clock::now();
    const int rc = ldap_search_ext_s(ld_.get(), "", LDAP_SCOPE_BASE, "(objectClass=*)",
                                     attrs.data(), 0, nullptr, nullptr, &limit, 1, &raw);
    LdapMessagePtr result(raw);
    phase("rootdse", started);
    out_.log.push_back("read RootDSE: result " + std::to_string(rc));
    if (rc != LDAP_SUCCESS) return fail("read RootDSE", rc);
    LDAPMessage* entry = ldap_first_entry(ld_.get(), result.get());
    if (!entry) return fail_with(FailureKind::protocol_error, "read RootDSE: no entry returned");
    nlohmann::json contexts = nlohmann::json::array();
    berval** vals = ldap_get_values_len(ld_.get(), entry, "namingContexts");
    for (int i = 0; vals && vals[i]; ++i)
      contexts.push_back(std::string(vals[i]->bv_val, vals[i]->bv_len));
    ldap_value_free_len(vals);
    out_.evidence["root_dse"] = {{"naming_contexts", contexts}};
    return true;
  }

  const LdapSettings& s_;
  Clock::time_point deadline_;
  LdapHandle ld_;
  LdapOutcome out_;
};

}  // namespace

LdapOutcome run_ldap_session(const LdapSettings& settings, std::chrono::milliseconds budget) {
  return Session(settings, budget).run();
}

std::string ldap_filter_escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
      out += '\\';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += char(c);
    }
  }
  return out;
}

std::string ldap_dn_escape(std::string_view value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
                         c == ';' || c == '=' || (i == 0 && (c == '#' || c == ' ')) ||
                         (i + 1 == value.size() && c == ' ');
    if (special) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace campus
