#include "nagios_output.h"

#include <cctype>
#include <charconv>

#include "core/strings.h"

namespace campus {
namespace {

std::optional<double> base_factor(std::string_view uom) {
  if (uom.empty() || uom == "s" || uom == "%" || uom == "B" || uom == "c") return 1.0;
  if (uom == "ms") return 1e-3;
  if (uom == "us") return 1e-6;
  // The guidelines' byte multiples are binary, as the monitoring-plugins write them.
  if (uom == "KB") return 1024.0;
  if (uom == "MB") return 1024.0 * 1024;
  if (uom == "GB") return 1024.0 * 1024 * 1024;
  if (uom == "TB") return 1024.0 * 1024 * 1024 * 1024;
  return std::nullopt;
}

// One item "label=value[UOM];warn;crit;min;max"; nullopt if malformed.
std::optional<PerfData> parse_item(const std::string& label, std::string_view rest) {
  PerfData p;
  p.label = label;
  std::vector<std::string> fields;
  std::size_t at = 0;
  while (true) {
    const auto semi = rest.find(';', at);
    fields.emplace_back(
        rest.substr(at, semi == std::string_view::npos ? std::string_view::npos : semi - at));
    if (semi == std::string_view::npos) break;
    at = semi + 1;
  }
  if (fields.size() > 5 || label.empty()) return std::nullopt;
  const std::string& v = fields[0];
  std::size_t number_end = 0;
  while (number_end < v.size() &&
         (std::isdigit(static_cast<unsigned char>(v[number_end])) || v[number_end] == '.' ||
          v[number_end] == '-' || v[number_end] == '+' || v[number_end] == 'e' ||
          v[number_end] == 'E')) {
    ++number_end;
  }
  // 'e' may also start no unit we know; keep the longest prefix that parses.
  double value = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + number_end, value);
  if (ec != std::errc() || end == v.data()) return std::nullopt;
  p.value = value;
  p.uom = v.substr(std::size_t(end - v.data()));
  const auto factor = base_factor(p.uom);
  if (!factor) return std::nullopt;
  p.base_value = value * *factor;
  if (fields.size() > 1) p.warn = fields[1];
  if (fields.size() > 2) p.crit = fields[2];
  if (fields.size() > 3) p.min = fields[3];
  if (fields.size() > 4) p.max = fields[4];
  return p;
}

void parse_perfdata(std::string_view text, PluginOutput& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    if (i >= text.size()) break;
    std::string label;
    if (text[i] == '\'') {
      // A quoted label; '' is a quote inside it.
      ++i;
      while (i < text.size()) {
        if (text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
          label += '\'';
          i += 2;
        } else if (text[i] == '\'') {
          ++i;
          break;
        } else {
          label += text[i++];
        }
      }
    } else {
      while (i < text.size() && text[i] != '=' &&
             !std::isspace(static_cast<unsigned char>(text[i]))) {
        label += text[i++];
      }
    }
    const std::size_t item_end = [&] {
      std::size_t j = i;
      while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])))
        ++j;
      return j;
    }();
    const std::string_view rest = text.substr(i, item_end - i);
    if (rest.empty() || rest[0] != '=') {
      out.malformed.push_back(label + std::string(rest));
    } else if (auto p = parse_item(label, rest.substr(1))) {
      out.perfdata.push_back(std::move(*p));
    } else {
      out.malformed.push_back(label + std::string(rest));
    }
    i = item_end;
  }
}

}  // namespace

PluginOutput parse_plugin_output(std::string_view output) {
  PluginOutput out;
  const auto first_end = output.find('\n');
  const std::string_view first = output.substr(0, first_end);
  const auto bar = first.find('|');
  out.text = trim(first.substr(0, bar));
  if (bar != std::string_view::npos) parse_perfdata(first.substr(bar + 1), out);
  if (first_end == std::string_view::npos) return out;
  std::string_view rest = output.substr(first_end + 1);
  const auto long_bar = rest.find('|');
  out.long_text = trim(rest.substr(0, long_bar));
  if (long_bar != std::string_view::npos) parse_perfdata(rest.substr(long_bar + 1), out);
  return out;
}

}  // namespace campus
