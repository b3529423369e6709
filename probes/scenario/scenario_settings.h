#pragma once
// The params of a `scenario` check: a list of HTTP steps, each with a templated request, the
// expectations its response must meet, and extraction rules that feed later steps. Parsed and
// checked once when the config loads: a step that reads a variable no earlier step sets is a
// config error, not a failure at 3 a.m.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/html_forms.h"
#include "common/http_session.h"
#include "common/template.h"
#include "common/template_settings.h"
#include "core/json_assertion.h"
#include "core/regex.h"
#include "probe/probe.h"

namespace campus {

struct StatusRange {
  int low = 200;
  int high = 399;
  bool contains(long status) const { return status >= low && status <= high; }
};

struct ExtractRule {
  enum class Source { regex, json, header, cookie, query, form };
  Source source = Source::regex;
  std::string var;
  std::string arg;  ///< header name (lower case), cookie name, query parameter or JSON pointer
  std::optional<Regex> regex;
  std::size_t group = 1;
  FormSelector form;
  bool sensitive = false;
  bool required = true;
};

struct ScenarioStep {
  std::string name;
  /// Variables computed from templates before the request, in order (later ones may read
  /// earlier ones), e.g. a hash that the request sends and a checksum repeats.
  std::vector<std::pair<std::string, Template>> set;
  std::string method = "GET";
  Template url;
  std::vector<std::pair<std::string, Template>> headers;
  std::optional<std::string> form_from;  ///< a form extract whose hidden inputs are posted
  std::vector<std::pair<std::string, Template>> form;
  std::optional<nlohmann::json> json;  ///< strings in it are templates
  std::optional<Template> body;
  bool follow_redirects = true;
  bool browser = true;  ///< false: `cookies: false`, a back-channel call without the jar

  std::vector<StatusRange> status;  ///< empty: 200-399
  std::vector<Regex> body_match;
  std::vector<Regex> body_not_match;
  std::vector<std::pair<std::string, Regex>> header_match;  ///< lower-case name
  std::vector<JsonAssertion> json_assert;
  std::vector<ExtractRule> extract;
  /// Conditions on what this step extracted, as a JSON object {var: value}: a date taken from an
  /// HTML page by a regex is aged as a JSON date is ("/news_date age <= 7d").
  std::vector<JsonAssertion> extracted_assert;
};

struct ScenarioSettings {
  std::string target;
  /// Expanded once per run, in order, before the first step (later ones may read earlier ones).
  std::vector<std::pair<std::string, Template>> variables;
  std::vector<SecretReference> secrets;
  WebOptions web;
  std::vector<ScenarioStep> steps;
};

std::optional<ScenarioSettings> parse_scenario_settings(ProbeSetup& setup);

/// Reads a status expectation: integers and "200-299" ranges, or one of them alone.
std::optional<std::vector<StatusRange>> read_status_ranges(const YamlValue& value);

}  // namespace campus
