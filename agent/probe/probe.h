#pragma once
// The probe interface. A probe type is a factory that validates a check's params once, and a
// probe object that runs the check as often as asked. Probes return facts (ProbeResult); the
// agent turns them into metrics, evidence and indicator state.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // boost/asio/awaitable.hpp in 1.74 uses std::exchange without it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/secrets.h"
#include "core/yaml_reader.h"
#include "net/cancel_signal.h"
#include "net/host_port.h"
#include "probe/result.h"
#include "probe/run_log.h"
#include "probe/session.h"

namespace campus {

class CurlDriver;
class WorkerPool;

/// Everything one run may use. Owned by the runner and alive until run() completes, even after
/// the deadline has passed. Single-threaded: touched only on `executor`.
struct ProbeContext {
  boost::asio::any_io_executor executor;
  CurlDriver& curl;
  WorkerPool& workers;
  RunLog& log;
  CancelSignal& cancel;
  std::chrono::steady_clock::time_point deadline;
  /// Whether anyone will read the result's `evidence` (the evidence log, debug output). When
  /// false a probe may leave it empty and save building it on every scheduled run.
  bool wants_evidence = true;

  /// The shared login this check starts with (`session:`), or null. Probes that can use one
  /// (ProbeTypeInfo::uses_session) start their cookie jar from it and send its bearer token.
  const SessionGrant* session = nullptr;
  /// Set by the probe when the system did not accept the session: a 401/403, or a redirect to
  /// one of the session's login URLs. The agent then logs in again and retries once; the run
  /// does not pass while this is set.
  std::optional<std::string> session_rejected = std::nullopt;
  /// When this run is a session's login: where the probe leaves its cookie jar and token once
  /// the login has succeeded (ProbeTypeInfo::logs_in), and it does not log out.
  SessionCapture* capture = nullptr;

  /// Time left until the deadline (zero when past it).
  std::chrono::milliseconds remaining() const;
};

/// One configured check's probe. Immutable after creation; run() may be called again while an
/// earlier run is still going (for example `/probe` during a scheduled run), so it keeps all
/// per-run state in its own frame.
class Probe {
 public:
  virtual ~Probe() = default;
  /// Runs the check once. Network, authentication and protocol failures are results, not
  /// exceptions; an exception escaping here is reported as an `internal` error. The probe should
  /// give up by ctx.deadline and must stop promptly once ctx.cancel fires.
  virtual boost::asio::awaitable<ProbeResult> run(ProbeContext& ctx) = 0;
};

/// What a factory gets to build a probe: the check's target and params (null when absent),
/// and the config's secrets. Problems are recorded through the YamlValues, which name file,
/// line and key path.
struct ProbeSetup {
  std::string check_id;
  std::string target;
  YamlValue target_value;  ///< for errors about the target
  std::optional<YamlValue> params;
  const SecretStore& secrets;
  std::chrono::milliseconds timeout;

  /// The secret set named by `value` (a string), recording an error if it is not defined.
  const SecretSet* secret_set(const YamlValue& value) const;

  /// A username and password from the secret set named by `value` (a test account, a service
  /// login); records "`what` needs a secret with username and password" when either is missing.
  struct Account {
    std::string username;
    Secret password;
  };
  std::optional<Account> account(const YamlValue& value, std::string_view what) const;

  /// The target as host:port; records "expected host:port, e.g. `example`" when it is not one.
  std::optional<HostPort> host_port_target(std::string_view example) const;

  /// Lets `read` take the keys it knows from the params (if any), then reports unknown keys.
  /// Returns false when reading recorded any problem.
  template <typename Read>
  bool read_params(Read&& read) const {
    if (!params) return true;
    Diagnostics& diagnostics = *params->source().diagnostics;
    const std::size_t before = diagnostics.size();
    auto reader = params->map();
    read(reader);
    reader.finish();
    return diagnostics.size() == before;
  }
};

/// Builds probes of one type. Returns nullptr after recording at least one error. A function
/// object, so that a native plugin's factory can hold its library.
using ProbeFactory = std::function<std::unique_ptr<Probe>(ProbeSetup& setup)>;

}  // namespace campus
