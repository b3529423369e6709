#pragma once
// bcrypt password hashes ($2a$, $2b$, $2y$) through libxcrypt, the form Prometheus' web.yml and
// htpasswd use. Each verification costs tens to hundreds of milliseconds by design: call these
// on the worker pool, never on the event loop.

#include <optional>
#include <string>
#include <string_view>

namespace campus {

/// Whether `hash` has the shape of a bcrypt hash: $2a$, $2b$ or $2y$, a two-digit cost from 04
/// to 31, then 53 characters of salt and digest.
bool is_bcrypt_hash(std::string_view hash);

/// Whether `password` hashes to `hash`. False for a malformed hash or a password with a NUL.
/// Thread-safe.
bool bcrypt_matches(std::string_view password, const std::string& hash);

/// A new $2b$ hash of `password` with a random salt and the given cost (4 to 31); nullopt when
/// libxcrypt refuses (no randomness, a password with a NUL). Thread-safe.
std::optional<std::string> bcrypt_hash(std::string_view password, int cost);

}  // namespace campus
