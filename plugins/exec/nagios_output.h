#pragma once
// The output of a Nagios/Icinga plugin as the plugin development guidelines define it: the
// first line's text, long text on later lines, and performance data after '|' (on the first line
// and after the first '|' of the long text), each item
// 'label'=value[UOM];[warn];[crit];[min];[max].

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campus {

struct PerfData {
  std::string label;
  double value = 0;                  ///< in the unit given
  std::string uom;                   ///< s, ms, us, %, B, KB, MB, GB, TB, c or empty
  double base_value = 0;             ///< in base units: seconds, bytes; others unchanged
  std::string warn, crit, min, max;  ///< thresholds and range, as written
};

struct PluginOutput {
  std::string text;       ///< the first line, before '|'
  std::string long_text;  ///< later lines without their perfdata
  std::vector<PerfData> perfdata;
  std::vector<std::string> malformed;  ///< perfdata items that do not follow the format
};

PluginOutput parse_plugin_output(std::string_view output);

}  // namespace campus
