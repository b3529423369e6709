// Fuzz target: a CAS server's serviceValidate answer, as XML and as JSON, must be read or
// refused without crashing (and an XML external entity is never fetched).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cas/cas_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)campus::parse_cas_xml(input);
  (void)campus::parse_cas_json(input);
  return 0;
}
