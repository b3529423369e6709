#pragma once
// `campus-probe web hash-password` and `web hash-token`: the values of the listener's web config
// (agent.web_config), made without other tools.

#include <istream>
#include <ostream>

namespace campus {

/// Reads a password (one line) from `in` and prints its bcrypt hash for basic_auth_users. When
/// `in` is the terminal, asks for it without echo. Returns the exit code.
int web_hash_password(std::istream& in, int cost, std::ostream& out, std::ostream& err);
/// Reads a token (one line) from `in` and prints the hex SHA-256 for bearer_tokens.
int web_hash_token(std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace campus
