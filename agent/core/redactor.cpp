#include "core/redactor.h"

#include <algorithm>
#include <cctype>
#include <regex>

namespace campus {
namespace {

// CAS tickets (ST-, PT-, TGT-, PGT-), credential headers up to the end of the line, and
// credential-like query or form parameters. Each alternative keeps its lead-in in a group so one
// replacement format serves all.
const std::regex& token_pattern() {
  static const std::regex pattern(
      R"((^|[^A-Za-z0-9])((?:ST|PT|TGT|PGT|PGTIOU)-)[A-Za-z0-9._~:-]+)"
      R"(|((?:authorization|proxy-authorization|cookie|set-cookie)\s*:\s*)[^\r\n]*)"
      R"(|((?:^|[^A-Za-z0-9])(?:password|passwd|pwd|token|access_token|id_token|refresh_token)"
      R"(|ticket|secret|client_secret|code)=)[^&\s"]*)",
      std::regex::icase);
  return pattern;
}

}  // namespace

Redactor::Redactor(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {
  secrets_.erase(std::remove_if(secrets_.begin(), secrets_.end(),
                                [](const std::string& s) { return s.empty(); }),
                 secrets_.end());
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redactor::text(std::string_view input) const {
  std::string out(input);
  for (const auto& secret : secrets_) {
    for (std::size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + kRedacted.size())) {
      out.replace(at, secret.size(), kRedacted);
    }
  }
  return std::regex_replace(out, token_pattern(), "$1$2$3$4[redacted]");
}

bool Redactor::is_sensitive_name(std::string_view name) {
  // Called for every header of every run: lower-case on the stack, no allocation.
  char buffer[128];
  const std::size_t n = std::min(name.size(), sizeof buffer);
  for (std::size_t i = 0; i < n; ++i) {
    buffer[i] = char(std::tolower(static_cast<unsigned char>(name[i])));
  }
  const std::string_view lowered(buffer, n);
  for (std::string_view word : {"password", "passwd", "pwd", "token", "ticket", "secret", "cookie",
                                "authorization", "credential", "session", "api_key", "apikey"}) {
    if (lowered.find(word) != std::string_view::npos) return true;
  }
  return false;
}

nlohmann::json Redactor::json(const nlohmann::json& value) const {
  if (value.is_string()) return text(value.get<std::string>());
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value)
      out.push_back(json(item));
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) {
      out[key] = is_sensitive_name(key) && !item.is_boolean() && !item.is_number()
                     ? nlohmann::json(kRedacted)
                     : json(item);
    }
    return out;
  }
  return value;
}

}  // namespace campus
