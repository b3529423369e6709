// Fuzz target: the SIP2 answer parser must reject or accept any bytes without crashing.

#include <cstddef>
#include <cstdint>
#include <string>

#include "sip2/sip2_message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  campus::sip2::Options options;
  std::string error;
  for (const auto& [id, fixed] : {std::pair{"94", campus::sip2::kLoginResponseFixed},
                                  std::pair{"98", campus::sip2::kAcsStatusFixed},
                                  std::pair{"64", campus::sip2::kPatronInfoFixed}}) {
    for (int sequence = 0; sequence < 2; ++sequence) {
      options.error_detection = sequence == 0;
      (void)campus::sip2::parse_response(input, id, fixed, sequence, options, error);
    }
  }
  return 0;
}
