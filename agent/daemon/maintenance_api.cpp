#include "daemon/maintenance_api.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/duration.h"
#include "core/json_parse.h"
#include "core/logger.h"

namespace campus {
namespace {

// A declared window is for what happens now; a longer absence is a config window or a waiver.
constexpr auto kLongest = std::chrono::hours(24 * 7);

// RFC 3339 with Z or a ±HH:MM offset.
std::optional<std::chrono::system_clock::time_point> parse_time(const std::string& text) {
  if (auto utc = parse_utc_time(text)) return utc;
  if (text.size() < 6) return std::nullopt;
  const std::string offset = text.substr(text.size() - 6);
  int hours = 0, minutes = 0;
  char sign = 0;
  if (std::sscanf(offset.c_str(), "%c%2d:%2d", &sign, &hours, &minutes) != 3 ||
      (sign != '+' && sign != '-') || hours > 14 || minutes > 59) {
    return std::nullopt;
  }
  auto local = parse_utc_time(text.substr(0, text.size() - 6) + "Z");
  if (!local) return std::nullopt;
  const auto shift = std::chrono::hours(hours) + std::chrono::minutes(minutes);
  return sign == '+' ? *local - shift : *local + shift;
}

std::optional<std::vector<std::string>> string_list(const nlohmann::json& body, const char* key,
                                                    std::string& error) {
  std::vector<std::string> out;
  const auto it = body.find(key);
  if (it == body.end()) return out;
  if (!it->is_array()) {
    error = std::string(key) + ": expected a list of strings";
    return std::nullopt;
  }
  for (const auto& item : *it) {
    if (!item.is_string()) {
      error = std::string(key) + ": expected a list of strings";
      return std::nullopt;
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

std::optional<MaintenanceWindow> parse_maintenance_request(
    std::string_view body, const Config& config, std::chrono::system_clock::time_point now,
    std::string& error) {
  const auto json = parse_json_bounded(body);
  if (!json.is_object()) {
    error =
        "expected a JSON object: {\"name\", \"reason\", \"duration\" or \"to\", \"systems\", "
        "\"checks\" or \"labels\"}";
    return std::nullopt;
  }
  MaintenanceWindow w;
  const auto text = [&](const char* key) -> std::optional<std::string> {
    const auto it = json.find(key);
    if (it == json.end()) return std::nullopt;
    if (!it->is_string()) {
      error = std::string(key) + ": expected a string";
      return std::nullopt;
    }
    return it->get<std::string>();
  };
  const auto name = text("name");
  const auto reason = text("reason");
  if (!error.empty()) return std::nullopt;
  if (!name || name->empty() || name->size() > 200) {
    error = "name: required, at most 200 characters";
    return std::nullopt;
  }
  if (!reason || reason->empty()) {
    error = "reason: required (say why the failures inside the window do not count)";
    return std::nullopt;
  }
  w.name = *name;
  w.reason = *reason;
  w.from = now;
  if (const auto from = text("from")) {
    const auto t = parse_time(*from);
    if (!t) {
      error = "from: expected an RFC 3339 time like 2026-12-05T08:00:00+08:00, got '" + *from + "'";
      return std::nullopt;
    }
    w.from = *t;
  }
  const auto to = text("to");
  const auto duration = text("duration");
  if (!error.empty()) return std::nullopt;
  if (bool(to) == bool(duration)) {
    error = "give either to (an RFC 3339 time) or duration (e.g. 30m)";
    return std::nullopt;
  }
  if (to) {
    const auto t = parse_time(*to);
    if (!t) {
      error = "to: expected an RFC 3339 time like 2026-12-05T18:00:00+08:00, got '" + *to + "'";
      return std::nullopt;
    }
    w.to = *t;
  } else {
    const auto d = parse_duration(*duration);
    if (!d || d->count() <= 0) {
      error = "duration: expected a duration like 30m or 2h, got '" + *duration + "'";
      return std::nullopt;
    }
    w.to = w.from + std::chrono::duration_cast<std::chrono::system_clock::duration>(*d);
  }
  if (w.to <= w.from) {
    error = "the window ends before it starts";
    return std::nullopt;
  }
  if (w.to <= now) {
    error = "the window is over already";
    return std::nullopt;
  }
  if (w.to - w.from > kLongest) {
    error =
        "a window declared through the API lasts at most 7 days; put a longer one in the "
        "config's maintenance: section, or waive the indicator";
    return std::nullopt;
  }
  auto checks = string_list(json, "checks", error);
  auto systems = string_list(json, "systems", error);
  if (!checks || !systems) return std::nullopt;
  w.checks = std::move(*checks);
  w.systems = std::move(*systems);
  for (const auto& id : w.checks) {
    if (!config.find_check(id)) {
      error = "checks: unknown check '" + id + "'";
      return std::nullopt;
    }
  }
  if (const auto it = json.find("labels"); it != json.end()) {
    if (!it->is_object()) {
      error = "labels: expected an object of label values";
      return std::nullopt;
    }
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) {
        error = "labels." + key + ": expected a string";
        return std::nullopt;
      }
      w.labels[key] = value.get<std::string>();
    }
  }
  if (w.checks.empty() && w.systems.empty() && w.labels.empty()) {
    error = "a maintenance window needs checks, systems or labels to select what it covers";
    return std::nullopt;
  }
  return w;
}

}  // namespace campus
