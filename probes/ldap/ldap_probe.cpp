// The `ldap` probe: the directory under the campus's unified identity. Binds (a service account,
// the test user directly or after searching for its entry), searches with expected values, or
// reads the RootDSE as a credential-free liveness check; over ldap://, ldaps:// or StartTLS.
//
// libldap's synchronous calls run on the worker pool rather than its asynchronous API on the
// event loop: StartTLS and the TLS handshake are blocking in libldap either way, and a session
// is a few round trips, so a pool thread per running check costs little and keeps the code plain.

#include "ldap_session.h"
#include "ldap_settings.h"
#include "probe/blocking.h"
#include "probe/registry.h"

namespace campus {
namespace {

class LdapProbe final : public Probe {
 public:
  explicit LdapProbe(LdapSettings settings)
      : s_(std::make_shared<const LdapSettings>(std::move(settings))) {}

  boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) override {
    const auto budget = ctx.remaining();
    // The settings are shared with the job: it may outlive this run (and a reload) after the
    // deadline.
    const std::function<LdapOutcome()> work = [settings = s_, budget] {
      return run_ldap_session(*settings, budget);
    };
    auto outcome = co_await run_blocking<LdapOutcome>(ctx, work);
    if (!outcome) {
      co_return ProbeResult::fail(FailureKind::timeout, "the LDAP session did not finish in time");
    }
    for (const auto& line : outcome->log)
      ctx.log.add(line);
    ProbeResult result = outcome->ok ? ProbeResult::pass(describe_pass(*outcome))
                                     : ProbeResult::fail(outcome->kind, outcome->reason);
    result.phases = std::move(outcome->phases);
    if (outcome->entries >= 0) result.measure("ldap_search_entries", outcome->entries);
    result.evidence = std::move(outcome->evidence);
    co_return result;
  }

 private:
  std::string describe_pass(const LdapOutcome& o) const {
    std::string what;
    if (s_->login) what = "test user bound";
    if (s_->search) {
      what += (what.empty() ? "" : ", ") + std::string("search found ") +
              std::to_string(int(o.entries)) + " entries";
    }
    if (what.empty()) what = s_->bind ? "service account bound" : "RootDSE read";
    return what;
  }

  std::shared_ptr<const LdapSettings> s_;
};

}  // namespace

CAMPUS_REGISTER_PROBE("ldap", probe_from_settings<LdapProbe>(parse_ldap_settings),
                      .measurements = {{"ldap_search_entries", "Entries the search returned"}});

}  // namespace campus
