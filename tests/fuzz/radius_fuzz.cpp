// Fuzz target: RADIUS answers (decoding and authenticator checks) must never crash the probe.

#include <cstddef>
#include <cstdint>
#include <string>

#include "radius/radius_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string error;
  (void)campus::radius::decode(input, error);
  campus::radius::Authenticator request{};
  (void)campus::radius::verify_response(input, request, "testing123", true);
  return 0;
}
