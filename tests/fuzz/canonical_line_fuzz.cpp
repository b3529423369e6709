// Fuzz target: the scanner of canonical evidence lines, which anyone with access to the log
// file can edit. Besides not crashing, a line it accepts must be what the general path sees:
// valid JSON whose re-serialisation without hash, mac and sig is exactly the scanner's
// `canonical`, with the same members. Otherwise verification could pass a line on the fast path
// that the general path would judge differently; such a line aborts the run.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "evidence/canonical_line.h"

namespace {

std::string_view text_member_of(const nlohmann::json& record, const char* name) {
  const auto it = record.find(name);
  if (it == record.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

[[noreturn]] void disagree(std::string_view line, const char* what) {
  std::fprintf(stderr, "read_canonical_line disagrees with the JSON parser (%s) on: %.*s\n", what,
               int(line.size()), line.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const auto fast = campus::read_canonical_line(line);
  if (!fast) return 0;
  nlohmann::json record = campus::parse_json_bounded(line);
  if (record.is_discarded() || !record.is_object()) disagree(line, "not a JSON object");
  if (text_member_of(record, "hash") != fast->hash) disagree(line, "hash");
  if (fast->mac && text_member_of(record, "mac") != *fast->mac) disagree(line, "mac");
  if (fast->sig && text_member_of(record, "sig") != *fast->sig) disagree(line, "sig");
  const auto seq = record.find("seq");
  if (seq == record.end() || !seq->is_number_unsigned() || seq->get<std::uint64_t>() != fast->seq)
    disagree(line, "seq");
  for (const auto& [name, value] :
       {std::pair{"type", fast->type}, std::pair{"prev", fast->prev}, std::pair{"time", fast->time},
        std::pair{"segment", fast->segment}, std::pair{"last", fast->last},
        std::pair{"check", fast->check}}) {
    if (text_member_of(record, name) != value) disagree(line, name);
  }
  record.erase("hash");
  record.erase("mac");
  record.erase("sig");
  if (record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) != fast->canonical)
    disagree(line, "canonical bytes");
  return 0;
}
