#include "sip2_message.h"

#include <cctype>
#include <cstdio>

namespace campus::sip2 {

std::string checksum(std::string_view message_through_az) {
  unsigned sum = 0;
  for (unsigned char c : message_through_az)
    sum += c;
  char out[5];
  std::snprintf(out, sizeof out, "%04X", (-sum) & 0xFFFFu);
  return out;
}

std::string finish(std::string body, int sequence, const Options& options) {
  if (options.error_detection) {
    body += "AY";
    body += char('0' + sequence % 10);
    body += "AZ";
    body += checksum(body);
  }
  return body + options.message_terminator;
}

std::string login_request(std::string_view user, std::string_view password,
                          std::string_view location, int sequence, const Options& options) {
  const char t = options.field_terminator;
  std::string m = "9300CN";
  m += user;
  m += t;
  m += "CO";
  m += password;
  m += t;
  if (!location.empty()) {
    m += "CP";
    m += location;
    m += t;
  }
  return finish(std::move(m), sequence, options);
}

std::string sc_status_request(int sequence, const Options& options) {
  // Status code 0 (printer OK), max print width 030, protocol version 2.00.
  return finish(
      "990030"
      "2.00",
      sequence, options);
}

std::string patron_information_request(std::string_view institution, std::string_view patron,
                                       std::string_view patron_password,
                                       std::string_view transaction_date, int sequence,
                                       const Options& options) {
  const char t = options.field_terminator;
  // Language 001 (English), then the summary: ten blanks ask for no item lists.
  std::string m = "63001";
  m += transaction_date;
  m += "          ";
  m += "AO";
  m += institution;
  m += t;
  m += "AA";
  m += patron;
  m += t;
  if (!patron_password.empty()) {
    m += "AD";
    m += patron_password;
    m += t;
  }
  return finish(std::move(m), sequence, options);
}

std::optional<std::string> Response::field(const std::string& code) const {
  const auto it = fields.find(code);
  if (it == fields.end()) return std::nullopt;
  return it->second;
}

std::optional<Response> parse_response(std::string_view message, std::string_view expected_id,
                                       std::size_t fixed_length, int sequence,
                                       const Options& options, std::string& error) {
  while (!message.empty() && (message.back() == '\r' || message.back() == '\n')) {
    message.remove_suffix(1);
  }
  if (message.size() < 2 || !std::isdigit(static_cast<unsigned char>(message[0])) ||
      !std::isdigit(static_cast<unsigned char>(message[1]))) {
    error = "not a SIP2 message (no two-digit identifier)";
    return std::nullopt;
  }
  Response r;
  r.id = std::string(message.substr(0, 2));
  if (r.id != expected_id) {
    error = "expected a " + std::string(expected_id) + " answer, got " + r.id +
            (r.id == "96" ? " (the ACS asks to resend: it saw a bad checksum)" : "");
    return std::nullopt;
  }
  std::string_view rest = message.substr(2);
  if (options.error_detection) {
    // ...AY<n>AZ<4 hex> ends the message; the checksum covers everything through "AZ".
    if (rest.size() < 9 || rest.substr(rest.size() - 9, 2) != "AY" ||
        rest.substr(rest.size() - 6, 2) != "AZ") {
      error = "no sequence number and checksum (AY/AZ) at the end";
      return std::nullopt;
    }
    const std::string_view given = message.substr(message.size() - 4);
    for (char c : given) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) {
        error = "the checksum is not four hex digits";
        return std::nullopt;
      }
    }
    const std::string expected = checksum(message.substr(0, message.size() - 4));
    std::string upper(given);
    for (auto& c : upper)
      c = char(std::toupper(static_cast<unsigned char>(c)));
    if (upper != expected) {
      error = "bad checksum " + std::string(given) + " (expected " + expected + ")";
      return std::nullopt;
    }
    const char seq = rest[rest.size() - 7];
    if (!std::isdigit(static_cast<unsigned char>(seq))) {
      error = "the sequence number is not a digit";
      return std::nullopt;
    }
    r.sequence = seq - '0';
    if (*r.sequence != sequence % 10) {
      error = "sequence number " + std::to_string(*r.sequence) + " answers another request (sent " +
              std::to_string(sequence % 10) + ")";
      return std::nullopt;
    }
    rest.remove_suffix(9);
  }
  if (rest.size() < fixed_length) {
    error = "the fixed part is " + std::to_string(rest.size()) + " characters, expected " +
            std::to_string(fixed_length);
    return std::nullopt;
  }
  r.fixed = std::string(rest.substr(0, fixed_length));
  rest.remove_prefix(fixed_length);
  while (!rest.empty()) {
    const auto end = rest.find(options.field_terminator);
    const std::string_view field = rest.substr(0, end);
    if (!field.empty()) {
      if (field.size() < 2 || !std::isupper(static_cast<unsigned char>(field[0])) ||
          !std::isalpha(static_cast<unsigned char>(field[1]))) {
        error = "a variable field without its two-letter code";
        return std::nullopt;
      }
      r.fields.emplace(std::string(field.substr(0, 2)), std::string(field.substr(2)));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return r;
}

}  // namespace campus::sip2
