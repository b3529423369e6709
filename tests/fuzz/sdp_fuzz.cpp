// Fuzz target: the session description (SDP) an RTSP server answers DESCRIBE with.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtsp/sdp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)campus::parse_sdp_media(input);
  return 0;
}
