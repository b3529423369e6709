// Fuzz target: what a Nagios/Icinga plugin prints (text, long text, performance data).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exec/nagios_output.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)campus::parse_plugin_output(input);
  return 0;
}
