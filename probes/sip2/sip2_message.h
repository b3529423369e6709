#pragma once
// SIP2 (3M Standard Interchange Protocol 2.0) messages: building the requests a self-service
// kiosk sends (93 login, 99 SC status, 63 patron information) and strictly parsing the ACS's
// answers (94, 98, 64), with sequence numbers (AY) and checksums (AZ). No network here, so the
// parser is tested and fuzzed on its own.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campus::sip2 {

struct Options {
  bool error_detection = true;  ///< add AY/AZ to requests and require valid ones in answers
  char field_terminator = '|';
  std::string message_terminator = "\r";
};

/// The 4-hex-digit checksum of everything before it (the message up to and including "AZ").
std::string checksum(std::string_view message_through_az);

/// Appends AY<seq>AZ<checksum> (when error detection is on) and the terminator.
std::string finish(std::string body, int sequence, const Options& options);

std::string login_request(std::string_view user, std::string_view password,
                          std::string_view location, int sequence, const Options& options);
std::string sc_status_request(int sequence, const Options& options);
/// `transaction_date` is the 18-character SIP2 form "YYYYMMDD    HHMMSS".
std::string patron_information_request(std::string_view institution, std::string_view patron,
                                       std::string_view patron_password,
                                       std::string_view transaction_date, int sequence,
                                       const Options& options);

/// A parsed answer: its two-digit identifier, its fixed-length part and its variable fields.
struct Response {
  std::string id;
  std::string fixed;
  std::multimap<std::string, std::string> fields;
  std::optional<int> sequence;

  std::optional<std::string> field(const std::string& code) const;
};

/// Parses one answer (without its terminator). `expected_id` is the identifier that must come
/// back ("94", "98", "64"); `fixed_length` the size of its fixed part. Returns nullopt with a
/// reason in `error`: wrong identifier, too short, a bad or missing checksum, a sequence number
/// other than `sequence`, a field without its two-letter code.
std::optional<Response> parse_response(std::string_view message, std::string_view expected_id,
                                       std::size_t fixed_length, int sequence,
                                       const Options& options, std::string& error);

/// Fixed-part lengths of the answers the probe reads.
inline constexpr std::size_t kLoginResponseFixed = 1;  // 94: ok
inline constexpr std::size_t kAcsStatusFixed = 34;     // 98: flags .. protocol version
inline constexpr std::size_t kPatronInfoFixed = 59;    // 64: status .. unavailable holds

}  // namespace campus::sip2
