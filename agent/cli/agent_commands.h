#pragma once
// The verbs that work on a campus config: run (the daemon), check-config, probe.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "core/logger.h"

namespace campus {

struct LogOptions {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::text;
};

/// `campus-probe run --config FILE [--site NAME]`: the daemon, until SIGTERM/SIGINT.
int run_daemon(const std::string& config_path, const std::optional<std::string>& site,
               const LogOptions& log_options, std::ostream& err);

/// `campus-probe check-config FILE`: every problem, or a one-line summary.
struct CheckConfigOptions {
  bool skip_secrets = false;        ///< list secrets that cannot be read instead of failing on them
  bool expand = false;              ///< print each check that uses a recipe as expanded
  std::optional<std::string> site;  ///< that site's view instead of every site's
};
int check_config(const std::string& config_path, const CheckConfigOptions& options,
                 std::ostream& out, std::ostream& err);

/// `campus-probe probe --config FILE CHECK_ID [--debug] [--site NAME]`: one run, explained.
int probe_once(const std::string& config_path, const std::string& check_id, bool debug,
               const std::optional<std::string>& site, std::ostream& out, std::ostream& err);

struct ReportOptions {
  std::string evidence_dir;
  std::string edition;
  std::string config;
  std::string key_file;
  std::string since;
  std::string from;
  std::string to;
  std::string format = "html";
  std::string output;
};

/// `campus-probe report ...`: 0 written (whatever the statuses), 1 evidence broken, 2 usage.
int report_command(const ReportOptions& options, std::ostream& out, std::ostream& err);

/// What `evidence verify` checks besides the chain; empty strings leave a check out.
struct EvidenceVerifyOptions {
  std::string key_file;     ///< HMAC key: the MACs
  std::string pubkey_file;  ///< the agent's public key: the signatures
  std::string tsa_ca_file;  ///< the TSA's CA: the timestamp tokens' signatures
  std::string max_timestamp_delay = "1d";
  std::optional<std::uint64_t> min_seq;  ///< the chain must reach it
};
/// `evidence verify DIR`: prints the summary (or the first broken place) and returns 0 when intact.
int verify_evidence_command(const std::string& dir, const EvidenceVerifyOptions& options,
                            std::ostream& out, std::ostream& err);

/// `campus-probe evidence keygen FILE`: an Ed25519 signing key in FILE (0600) and FILE.pub.
int evidence_keygen_command(const std::string& file, std::ostream& out, std::ostream& err);

}  // namespace campus
