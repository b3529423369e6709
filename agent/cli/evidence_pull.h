#pragma once
// `campus-probe evidence pull URL --dir DIR`: copies an agent's evidence log into DIR/SITE over
// its listener, incrementally and resumably, verifying every record as it arrives; refuses a
// chain that forks from what was already pulled.

#include <ostream>
#include <string>

namespace campus {

struct EvidencePullOptions {
  std::string url;   ///< the agent's listener, e.g. https://probe-dorm:9877
  std::string dir;   ///< the copies' parent directory: one directory per site below it
  std::string site;  ///< default: the host of the URL
  std::string bearer_token_file;
  std::string basic_user;
  std::string password_file;
  std::string cacert;
  std::string cert;
  std::string key;
  std::string key_file;    ///< HMAC key: check every MAC
  std::string public_key;  ///< the agent's Ed25519 public key: check every signature
  std::string tsa_ca;      ///< the time-stamping authority's CA: check the tokens' signatures
  std::string max_timestamp_delay = "1d";
  std::string interval;  ///< pull again after this long, for ever; empty: once
  std::size_t batch = 1000;
};

/// 0 when the copy is up to date and verified; 1 when the agent's chain forks from the copy, a
/// record does not verify or the agent cannot be reached (with --interval: only a fork or a
/// record that does not verify ends the loop); 2 on a usage error.
int evidence_pull_command(const EvidencePullOptions& options, std::ostream& out, std::ostream& err);

}  // namespace campus
