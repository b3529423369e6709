#include "http/web_auth.h"

#include <cctype>

#include <openssl/crypto.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/logger.h"

namespace campus {
namespace {

// Checked when the user is unknown, so that a wrong user name takes as long as a wrong
// password and the answer's timing does not tell which names exist.
const std::string kUnknownUserHash = "$2b$10$QyT/FzyvFi.pHERVaWXH9O.OhwT0lGh6in1GwhxHN9nI42Y6xyqKS";

// Addresses with a failure episode remembered at once; beyond, the oldest is forgotten (and may
// be logged again), so that a scan from many addresses cannot grow the map without bound.
constexpr std::size_t kMaxEpisodes = 1024;

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

// The raw 32 bytes of SHA-256 over `data`.
std::string sha256_bytes(std::string_view data) {
  const std::string hex = sha256_hex(data);
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += char(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

}  // namespace

PresentedCredential parse_authorization(std::string_view header) {
  PresentedCredential out;
  header = trim_spaces(header);
  if (header.empty()) return out;
  out.kind = PresentedCredential::Kind::malformed;
  if (iequals_prefix(header, "basic ")) {
    const auto decoded = base64_decode(trim_spaces(header.substr(6)));
    if (!decoded) return out;
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) return out;
    out.kind = PresentedCredential::Kind::basic;
    out.user = decoded->substr(0, colon);
    out.secret = decoded->substr(colon + 1);
  } else if (iequals_prefix(header, "bearer ")) {
    const auto token = trim_spaces(header.substr(7));
    if (token.empty()) return out;
    out.kind = PresentedCredential::Kind::bearer;
    out.secret = std::string(token);
  }
  return out;
}

WebAuth::WebAuth(std::shared_ptr<const WebConfig> config, std::size_t cache_size)
    : config_(std::move(config)), cache_size_(cache_size == 0 ? 1 : cache_size) {}

AuthVerdict WebAuth::check_token(const std::string& token) const {
  const std::string digest = sha256_bytes(token);
  const WebToken* match = nullptr;
  // Every token compared, each in constant time: neither the time of one comparison nor the
  // number made tells how much of a guess was right.
  for (const auto& t : config_->tokens) {
    if (CRYPTO_memcmp(t.sha256.data(), digest.data(), digest.size()) == 0) match = &t;
  }
  AuthVerdict verdict;
  if (!match) {
    verdict.reason = "bad_token";
    return verdict;
  }
  verdict.outcome = AuthVerdict::Outcome::granted;
  verdict.name = match->name;
  verdict.role = config_->role_of(match->name);
  return verdict;
}

void WebAuth::remember(std::string key, const std::string& name) {
  if (cache_.count(key)) return;
  while (cache_.size() >= cache_size_ && !cache_order_.empty()) {
    cache_.erase(cache_order_.front());
    cache_order_.pop_front();
  }
  cache_order_.push_back(key);
  cache_.emplace(std::move(key), name);
}

boost::asio::awaitable<AuthVerdict> WebAuth::authenticate(std::string_view authorization,
                                                          const Verifier& verify) {
  const PresentedCredential credential = parse_authorization(authorization);
  AuthVerdict verdict;
  switch (credential.kind) {
    case PresentedCredential::Kind::none:
      verdict.reason = "missing";
      co_return verdict;
    case PresentedCredential::Kind::malformed:
      verdict.reason = "malformed";
      co_return verdict;
    case PresentedCredential::Kind::bearer:
      co_return check_token(credential.secret);
    case PresentedCredential::Kind::basic:
      break;
  }
  // The user name is part of the key: the same password of two users are two credentials.
  const std::string key = sha256_bytes("basic\n" + std::to_string(credential.user.size()) + "\n" +
                                       credential.user + credential.secret);
  const auto user = config_->users.find(credential.user);
  if (const auto hit = cache_.find(key); hit != cache_.end() && user != config_->users.end()) {
    verdict.outcome = AuthVerdict::Outcome::granted;
    verdict.name = hit->second;
    verdict.role = config_->role_of(hit->second);
    co_return verdict;
  }
  const bool known = user != config_->users.end();
  const std::optional<bool> match =
      co_await verify(credential.secret, known ? user->second : kUnknownUserHash);
  if (!match) {
    verdict.outcome = AuthVerdict::Outcome::busy;
    verdict.reason = "busy";
    co_return verdict;
  }
  if (!known || !*match) {
    verdict.reason = known ? "bad_password" : "unknown_user";
    verdict.name = known ? credential.user : "";
    co_return verdict;
  }
  remember(key, credential.user);
  verdict.outcome = AuthVerdict::Outcome::granted;
  verdict.name = credential.user;
  verdict.role = config_->role_of(credential.user);
  co_return verdict;
}

AuthFailures::AuthFailures(Logger& log, prometheus::Registry& registry, std::chrono::seconds quiet)
    : log_(log),
      family_(prometheus::BuildCounter()
                  .Name("campus_http_auth_failures_total")
                  .Help("Requests the HTTP listener refused for their credentials, by reason: "
                        "missing, malformed, unknown_user, bad_password, bad_token, forbidden "
                        "(authenticated, role too low), busy (no worker free for bcrypt)")
                  .Register(registry)),
      quiet_(quiet) {}

void AuthFailures::failed(const std::string& address, const char* reason,
                          const std::string& detail) {
  family_.Add({{"reason", reason}}).Increment();
  const auto now = std::chrono::steady_clock::now();
  auto it = episodes_.find(address);
  if (it != episodes_.end() && now - it->second.last < quiet_) {
    ++it->second.count;
    it->second.last = now;
    return;
  }
  if (it == episodes_.end() && episodes_.size() >= kMaxEpisodes) {
    auto oldest = episodes_.begin();
    for (auto e = episodes_.begin(); e != episodes_.end(); ++e) {
      if (e->second.last < oldest->second.last) oldest = e;
    }
    episodes_.erase(oldest);
  }
  episodes_[address] = {now, now, 1};
  log_.warn("HTTP listener: refused a request from " + address + ": " + detail +
            "; further refusals from this address are counted in "
            "campus_http_auth_failures_total, not logged, until it authenticates or stays "
            "quiet for " +
            std::to_string(quiet_.count()) + " s");
}

void AuthFailures::forbidden() {
  family_.Add({{"reason", "forbidden"}}).Increment();
}

void AuthFailures::succeeded(const std::string& address) {
  const auto it = episodes_.find(address);
  if (it == episodes_.end()) return;
  if (it->second.count > 1) {
    log_.info("HTTP listener: " + address + " authenticated after " +
              std::to_string(it->second.count) + " refused request(s)");
  }
  episodes_.erase(it);
}

}  // namespace campus
