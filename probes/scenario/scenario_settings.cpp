#include "scenario_settings.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "common/settings.h"
#include "core/redactor.h"
#include "core/strings.h"
#include "core/yaml_json.h"

namespace campus {
namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(std::toupper(c)); });
  return s;
}

// Which variables exist at each point of the scenario, to reject a step that reads one that no
// earlier step sets.
class Scope {
 public:
  Scope(ProbeSetup& setup, ScenarioSettings& settings) : setup_(setup), settings_(settings) {
    names_.insert("target");
  }

  void add(const std::string& name) { names_.insert(name); }
  void add_prefix(const std::string& prefix) { prefixes_.push_back(prefix + "."); }

  void check(const Template& t, const YamlValue& at) {
    for (const auto& ref : t.references()) {
      if (is_secret_reference(ref)) {
        secret(ref, at);
      } else if (!names_.count(ref) &&
                 std::none_of(prefixes_.begin(), prefixes_.end(),
                              [&](const auto& p) { return ref.rfind(p, 0) == 0; })) {
        at.error("${" + ref + "} is not set by params.variables or an earlier step's extract");
      }
    }
  }

 private:
  void secret(const std::string& ref, const YamlValue& at) {
    add_secret_reference(setup_.secrets, ref, at, settings_.secrets);
  }

  ProbeSetup& setup_;
  ScenarioSettings& settings_;
  std::set<std::string> names_;
  std::vector<std::string> prefixes_;
};

void check_json_templates(const nlohmann::json& json, const YamlValue& at, Scope& scope) {
  if (json.is_string()) {
    std::string error;
    if (auto t = Template::parse(json.get<std::string>(), error)) {
      scope.check(*t, at);
    } else {
      at.error(error);
    }
  } else if (json.is_structured()) {
    for (const auto& item : json)
      check_json_templates(item, at, scope);
  }
}

std::optional<ExtractRule> read_extract(const YamlValue& value, Scope& scope) {
  ExtractRule rule;
  auto r = value.map();
  if (!r.valid()) return std::nullopt;
  const std::size_t before = value.source().diagnostics->size();
  if (auto v = r.required("var")) {
    if (auto name = v->text()) {
      rule.var = *name;
      if (rule.var.rfind("secret.", 0) == 0 || rule.var == "target") {
        v->error("'" + rule.var + "' is reserved");
      }
    }
  }
  int sources = 0;
  if (auto v = r.get("regex")) {
    ++sources;
    rule.source = ExtractRule::Source::regex;
    rule.regex = read_regex(*v);
  }
  if (auto v = r.get("json")) {
    ++sources;
    rule.source = ExtractRule::Source::json;
    if (auto text = v->text()) {
      rule.arg = *text;
      try {
        (void)nlohmann::json::json_pointer(rule.arg);
      } catch (const nlohmann::json::exception&) {
        v->error("expected a JSON pointer like /access_token");
      }
    }
  }
  if (auto v = r.get("header")) {
    ++sources;
    rule.source = ExtractRule::Source::header;
    rule.arg = lower(v->text().value_or(""));
  }
  if (auto v = r.get("cookie")) {
    ++sources;
    rule.source = ExtractRule::Source::cookie;
    rule.arg = v->text().value_or("");
    rule.sensitive = true;  // a cookie is a session credential
  }
  if (auto v = r.get("query")) {
    ++sources;
    rule.source = ExtractRule::Source::query;
    rule.arg = v->text().value_or("");
  }
  if (auto v = r.get("form")) {
    ++sources;
    rule.source = ExtractRule::Source::form;
    if (!v->is_null()) rule.form = read_form_selector(*v);
  }
  if (auto v = r.get("group")) rule.group = std::size_t(v->integer(0, 99).value_or(1));
  if (auto v = r.get("sensitive")) rule.sensitive = v->boolean().value_or(rule.sensitive);
  if (auto v = r.get("required")) rule.required = v->boolean().value_or(true);
  r.finish();
  if (sources != 1) {
    value.error("expected exactly one of regex, json, header, cookie, query or form");
  }
  if (value.source().diagnostics->size() != before) return std::nullopt;
  // Names that look like credentials are kept out of logs whatever the rule says.
  if (Redactor::is_sensitive_name(rule.var)) rule.sensitive = true;
  if (rule.source == ExtractRule::Source::form) {
    scope.add_prefix(rule.var);
  } else {
    scope.add(rule.var);
  }
  return rule;
}

std::optional<ScenarioStep> read_step(const YamlValue& value, std::size_t index, Scope& scope) {
  ScenarioStep step;
  auto r = value.map();
  if (!r.valid()) return std::nullopt;
  const std::size_t before = value.source().diagnostics->size();
  step.name = "step " + std::to_string(index + 1);
  if (auto v = r.get("name")) step.name = v->text().value_or(step.name);
  // Values computed before the request, in order (a login's hash that a checksum repeats).
  if (auto v = r.get("set")) {
    auto sr = v->map();
    for (auto& [name, item] : sr.entries()) {
      if (auto t = read_template(item)) {
        scope.check(*t, item);
        step.set.emplace_back(name, std::move(*t));
        scope.add(name);
      }
    }
  }
  bool method_given = false;
  if (auto v = r.get("method")) {
    step.method = upper(v->text().value_or("GET"));
    method_given = true;
  }
  if (auto v = r.required("url")) {
    if (auto t = read_template(*v)) {
      scope.check(*t, *v);
      step.url = std::move(*t);
    }
  }
  auto read_pairs = [&](const YamlValue& v, auto& out) {
    auto pr = v.map();
    for (auto& [name, item] : pr.entries()) {
      if (auto t = read_template(item)) {
        scope.check(*t, item);
        out.emplace_back(name, std::move(*t));
      }
    }
  };
  if (auto v = r.get("headers")) read_pairs(*v, step.headers);
  int bodies = 0;
  if (auto v = r.get("form_from")) {
    step.form_from = v->text();
    std::string error;
    if (step.form_from) {
      if (auto t = Template::parse("${" + *step.form_from + ".action}", error)) scope.check(*t, *v);
    }
  }
  if (auto v = r.get("form")) {
    ++bodies;
    read_pairs(*v, step.form);
  }
  if (auto v = r.get("json")) {
    ++bodies;
    step.json = yaml_to_json(*v);
    check_json_templates(*step.json, *v, scope);
  }
  if (auto v = r.get("body")) {
    ++bodies;
    if (auto t = read_template(*v)) {
      scope.check(*t, *v);
      step.body = std::move(*t);
    }
  }
  if (bodies > 1) value.error("give at most one of form, json and body");
  if (step.form_from && step.json) value.error("form_from goes with form, not json");
  if ((bodies > 0 || step.form_from) && !method_given) step.method = "POST";
  if (auto v = r.get("follow_redirects")) step.follow_redirects = v->boolean().value_or(true);
  if (auto v = r.get("cookies")) step.browser = v->boolean().value_or(true);
  if (auto v = r.get("expect")) {
    auto er = v->map();
    if (auto e = er.get("status")) {
      if (auto ranges = read_status_ranges(*e)) step.status = std::move(*ranges);
    }
    if (auto e = er.get("body_match")) step.body_match = read_regex_list(*e);
    if (auto e = er.get("body_not_match")) step.body_not_match = read_regex_list(*e);
    if (auto e = er.get("header_match")) {
      auto hr = e->map();
      for (auto& [name, item] : hr.entries()) {
        if (auto re = read_regex(item)) step.header_match.emplace_back(lower(name), std::move(*re));
      }
    }
    if (auto e = er.get("json_assert")) step.json_assert = read_json_assertions(*e);
    if (auto e = er.get("extracted")) step.extracted_assert = read_json_assertions(*e);
    er.finish();
  }
  if (auto v = r.get("extract")) {
    for (const auto& item : v->items()) {
      if (auto rule = read_extract(item, scope)) step.extract.push_back(std::move(*rule));
    }
  }
  r.finish();
  if (value.source().diagnostics->size() != before) return std::nullopt;
  return step;
}

}  // namespace

std::optional<std::vector<StatusRange>> read_status_ranges(const YamlValue& value) {
  std::vector<StatusRange> out;
  auto one = [&](const YamlValue& item) {
    const auto text = std::string(item.scalar());
    int low = 0;
    int high = 0;
    char dash = 0;
    char extra = 0;
    const int n = std::sscanf(text.c_str(), "%d%c%d%c", &low, &dash, &high, &extra);
    if (n == 1) high = low;
    const bool ok = (n == 1 || (n == 3 && dash == '-')) && low >= 100 && high <= 599 && low <= high;
    if (!ok) {
      item.error("expected a status code like 200 or a range like \"300-399\"");
      return false;
    }
    out.push_back({low, high});
    return true;
  };
  if (value.is_list()) {
    for (const auto& item : value.items()) {
      if (!one(item)) return std::nullopt;
    }
  } else if (!one(value)) {
    return std::nullopt;
  }
  return out;
}

std::optional<ScenarioSettings> parse_scenario_settings(ProbeSetup& setup) {
  ScenarioSettings s;
  s.target = setup.target;
  if (!setup.params) {
    setup.target_value.error("a scenario needs params.steps");
    return std::nullopt;
  }
  Scope scope(setup, s);
  const bool ok = setup.read_params([&](YamlMapReader& r) {
    s.web.read(r);
    if (auto v = r.get("variables")) {
      auto vr = v->map();
      // Templates, expanded once at the start of each run in order: a nonce or a timestamp that
      // several headers of a step must share (a signature over them) is computed here.
      for (auto& [name, item] : vr.entries()) {
        if (auto t = read_template(item)) {
          scope.check(*t, item);
          s.variables.emplace_back(name, std::move(*t));
          scope.add(name);
        }
      }
    }
    if (auto v = r.required("steps")) {
      const auto items = v->items();
      if (items.empty() && v->is_list()) v->error("expected at least one step");
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (auto step = read_step(items[i], i, scope)) s.steps.push_back(std::move(*step));
      }
    }
  });
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace campus
