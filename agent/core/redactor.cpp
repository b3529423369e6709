#include "core/redactor.h"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <utility>

#include "core/encoding.h"

namespace campus {
namespace {

// What is redacted besides the configured secrets, found by one linear scan (no backtracking
// regex: the text comes from targets, and std::regex recurses per character):
//   CAS tickets            ST-, PT-, TGT-, PGT-, PGTIOU- after a non-alphanumeric character
//   credential headers     authorization, proxy-authorization, cookie, set-cookie: to the line end
//   credential parameters  password=, token=, ticket=, code=, ... to the next & " or space

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// Whether `text` continues at `at` with `word`, ignoring ASCII case.
bool starts_with_icase(std::string_view text, std::size_t at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != word[i]) return false;
  }
  return true;
}

bool at_word_start(std::string_view text, std::size_t at) {
  return at == 0 || !is_alnum(text[at - 1]);
}

// A ticket at `at`: the length of its prefix ("ST-") and of the whole ticket, or 0.
std::pair<std::size_t, std::size_t> ticket_at(std::string_view text, std::size_t at) {
  if (!at_word_start(text, at)) return {0, 0};
  for (std::string_view prefix : {"st-", "pt-", "tgt-", "pgt-", "pgtiou-"}) {
    if (!starts_with_icase(text, at, prefix)) continue;
    std::size_t end = at + prefix.size();
    while (end < text.size() && (is_alnum(text[end]) || std::string_view("._~:-").find(text[end]) !=
                                                            std::string_view::npos))
      ++end;
    if (end > at + prefix.size()) return {prefix.size(), end - at};
  }
  return {0, 0};
}

// A credential header at `at`: the length of "Name: " and of the whole rest of the line, or 0.
std::pair<std::size_t, std::size_t> header_at(std::string_view text, std::size_t at) {
  for (std::string_view name : {"authorization", "proxy-authorization", "cookie", "set-cookie"}) {
    if (!starts_with_icase(text, at, name)) continue;
    std::size_t i = at + name.size();
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) && text[i] != '\n')
      ++i;
    if (i == text.size() || text[i] != ':') continue;
    ++i;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
      ++i;
    std::size_t end = i;
    while (end < text.size() && text[end] != '\r' && text[end] != '\n')
      ++end;
    return {i - at, end - at};
  }
  return {0, 0};
}

// A credential parameter at `at`: the length of "name=" and of the whole parameter, or 0.
std::pair<std::size_t, std::size_t> parameter_at(std::string_view text, std::size_t at) {
  if (!at_word_start(text, at)) return {0, 0};
  for (std::string_view name : {"password", "passwd", "pwd", "token", "access_token", "id_token",
                                "refresh_token", "ticket", "secret", "client_secret", "code"}) {
    if (!starts_with_icase(text, at, name) || at + name.size() >= text.size() ||
        text[at + name.size()] != '=')
      continue;
    const std::size_t lead = name.size() + 1;
    std::size_t end = at + lead;
    while (end < text.size() && text[end] != '&' && text[end] != '"' &&
           !std::isspace(static_cast<unsigned char>(text[end])))
      ++end;
    return {lead, end - at};
  }
  return {0, 0};
}

std::string redact_tokens(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    auto [lead, length] = ticket_at(text, at);
    if (length == 0) std::tie(lead, length) = header_at(text, at);
    if (length == 0) std::tie(lead, length) = parameter_at(text, at);
    if (length == 0) {
      out += text[at++];
      continue;
    }
    out.append(text.substr(at, lead));
    out.append(kRedacted);
    at += length;
  }
  return out;
}

}  // namespace

std::string redact_values(std::string_view text, const std::vector<std::string>& values) {
  std::string out(text);
  for (const auto& value : values) {
    if (value.empty()) continue;
    for (std::size_t at = out.find(value); at != std::string::npos;
         at = out.find(value, at + kRedacted.size())) {
      out.replace(at, value.size(), kRedacted);
    }
  }
  // A tail of four or more characters that starts a value goes too (over-redacting an innocent
  // word is the safe mistake).
  for (const auto& value : values) {
    if (value.size() < 5 || out.size() < 4) continue;
    // Only positions holding the value's first character can start a cut copy of it.
    const std::size_t first = out.size() - std::min(value.size() - 1, out.size());
    for (auto at = out.find(value.front(), first); at != std::string::npos && out.size() - at >= 4;
         at = out.find(value.front(), at + 1)) {
      if (out.compare(at, std::string::npos, value, 0, out.size() - at) == 0) {
        out.replace(at, std::string::npos, kRedacted);
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> base64_forms(std::string_view bytes) {
  std::vector<std::string> out;
  const std::string standard = base64_encode(bytes);
  std::string url_safe = standard;
  std::replace(url_safe.begin(), url_safe.end(), '+', '-');
  std::replace(url_safe.begin(), url_safe.end(), '/', '_');
  for (std::string form : {standard, url_safe}) {
    if (std::find(out.begin(), out.end(), form) == out.end()) out.push_back(form);
    while (!form.empty() && form.back() == '=')
      form.pop_back();
    if (std::find(out.begin(), out.end(), form) == out.end()) out.push_back(form);
  }
  return out;
}

std::vector<std::string> basic_credential_forms(std::string_view user, std::string_view password) {
  std::string credential(user);
  credential += ':';
  credential += password;
  return base64_forms(credential);
}

Redactor::Redactor(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {
  secrets_.erase(std::remove_if(secrets_.begin(), secrets_.end(),
                                [](const std::string& s) { return s.empty(); }),
                 secrets_.end());
  std::sort(secrets_.begin(), secrets_.end());
  secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redactor::text(std::string_view input) const {
  return redact_tokens(redact_values(input, secrets_));
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
