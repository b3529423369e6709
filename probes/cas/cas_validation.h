#pragma once
// Reading a CAS server's answer to serviceValidate (CAS 2 and 3, XML or JSON), per the CAS
// protocol specification: authenticationSuccess with the user and (CAS 3) attributes, or
// authenticationFailure with a code.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campus {

struct CasValidation {
  bool success = false;
  std::string user;
  /// Attribute name → values (an attribute may repeat).
  std::map<std::string, std::vector<std::string>> attributes;
  std::string failure_code;     ///< e.g. INVALID_TICKET
  std::string failure_message;  ///< the server's text, trimmed
};

/// Parses an XML answer; nullopt when it is not a CAS serviceResponse.
std::optional<CasValidation> parse_cas_xml(std::string_view body);
/// Parses a JSON answer (`format=JSON`); nullopt when it is not a CAS serviceResponse.
std::optional<CasValidation> parse_cas_json(std::string_view body);

}  // namespace campus
