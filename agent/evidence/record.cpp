#include "evidence/record.h"

#include <fstream>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/hash.h"
#include "core/json_parse.h"

namespace campus {

std::string canonical_bytes(const nlohmann::json& record) {
  nlohmann::json copy = record;
  copy.erase("hash");
  copy.erase("mac");
  copy.erase("sig");
  // nlohmann::json keeps object members in a std::map, so keys come out sorted by bytes.
  return copy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string record_hash(const nlohmann::json& record) {
  return sha256_hex(canonical_bytes(record));
}

std::string mac_of_bytes(std::string_view bytes, std::string_view key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()),
       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), mac, &length);
  return to_hex(std::string_view(reinterpret_cast<const char*>(mac), length));
}

std::string record_mac(const nlohmann::json& record, std::string_view key) {
  return mac_of_bytes(canonical_bytes(record), key);
}

void seal_record(nlohmann::json& record, const std::optional<std::string>& key) {
  const std::string bytes = canonical_bytes(record);
  record["hash"] = sha256_hex(bytes);
  if (key) record["mac"] = mac_of_bytes(bytes, *key);
}

std::optional<EvidenceHead> read_evidence_head(const std::string& dir) {
  std::ifstream in(dir + "/head", std::ios::binary);
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);
  const auto j = parse_json_bounded(line);
  EvidenceHead head;
  if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned() ||
      !j.contains("hash") || !j["hash"].is_string()) {
    head.damaged = true;
    return head;
  }
  head.seq = j["seq"].get<std::uint64_t>();
  head.hash = j["hash"].get<std::string>();
  head.segment = j.value("segment", "");
  if (const auto lost = j.find("lost"); lost != j.end() && lost->is_number_unsigned()) {
    head.lost = lost->get<std::uint64_t>();
    head.lost_from = j.value("lost_from", "");
    head.lost_to = j.value("lost_to", "");
  }
  return head;
}

}  // namespace campus
