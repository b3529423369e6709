#include "scenario_runner.h"

#include <algorithm>
#include <map>
#include <strings.h>

#include "common/curl_result.h"
#include "common/url.h"
#include "core/json_parse.h"
#include "core/redactor.h"
#include "core/text_width.h"

namespace campus {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string describe_expected(const std::vector<StatusRange>& ranges) {
  if (ranges.empty()) return "200-399";
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ", ";
    out += r.low == r.high ? std::to_string(r.low)
                           : std::to_string(r.low) + "-" + std::to_string(r.high);
  }
  return out;
}

nlohmann::json expand_json(const nlohmann::json& json, const Variables& variables,
                           WebSession& session, std::string& error, bool& failed) {
  if (json.is_string()) {
    std::string parse_error;
    auto t = Template::parse(json.get<std::string>(), parse_error);
    auto v = t ? t->expand(variables, error) : std::nullopt;
    if (!v) {
      failed = true;
      if (!t) error = parse_error;
      return nullptr;
    }
    for (auto& part : v->sensitive_parts)
      session.hide(std::move(part));
    return v->text;
  }
  if (json.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : json.items()) {
      out[key] = expand_json(item, variables, session, error, failed);
    }
    return out;
  }
  if (json.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : json)
      out.push_back(expand_json(item, variables, session, error, failed));
    return out;
  }
  return json;
}

// One step's run: builds the request, judges the response, extracts variables.
class StepRun {
 public:
  StepRun(const ScenarioSettings& settings, const ScenarioStep& step, WebSession& session,
          Variables& variables, std::map<std::string, Fields>& forms)
      : settings_(settings), step_(step), session_(session), vars_(variables), forms_(forms) {}

  /// Builds the request; nullopt with `problem` set when a template cannot be expanded.
  std::optional<WebRequest> request(std::string& problem) {
    for (const auto& [name, t] : step_.set) {
      auto value = t.expand(vars_, problem);
      if (!value) {
        problem = "set " + name + ": " + problem;
        return std::nullopt;
      }
      vars_.set(name, std::move(value->text), value->sensitive);
    }
    for (const auto& value : vars_.sensitive_values())
      session_.hide(value);
    WebRequest req;
    req.method = step_.method;
    req.follow_redirects = step_.follow_redirects;
    req.browser = step_.browser;
    auto url = expand(step_.url, problem);
    if (!url) return std::nullopt;
    req.url = resolve_url(settings_.target, *url);
    bool has_content_type = false;
    for (const auto& [name, t] : step_.headers) {
      auto v = expand(t, problem);
      if (!v) return std::nullopt;
      if (name.size() == 12 && strcasecmp(name.c_str(), "content-type") == 0) {
        has_content_type = true;
      }
      req.headers.emplace_back(name, std::move(*v));
    }
    std::optional<std::string> content_type;
    if (step_.form_from || !step_.form.empty()) {
      Fields fields;
      if (step_.form_from) {
        const auto it = forms_.find(*step_.form_from);
        if (it == forms_.end()) {
          problem = "no form was extracted as " + *step_.form_from;
          return std::nullopt;
        }
        fields = it->second;
      }
      for (const auto& [name, t] : step_.form) {
        auto v = expand(t, problem);
        if (!v) return std::nullopt;
        auto same = std::find_if(fields.begin(), fields.end(),
                                 [&](const auto& f) { return f.first == name; });
        if (same != fields.end()) {
          same->second = std::move(*v);
        } else {
          fields.emplace_back(name, std::move(*v));
        }
      }
      req.body = WebSession::form_encode(fields);
      content_type = "application/x-www-form-urlencoded";
    } else if (step_.json) {
      bool failed = false;
      const auto json = expand_json(*step_.json, vars_, session_, problem, failed);
      if (failed) return std::nullopt;
      req.body = json.dump();
      content_type = "application/json";
    } else if (step_.body) {
      auto v = expand(*step_.body, problem);
      if (!v) return std::nullopt;
      req.body = std::move(*v);
    }
    if (content_type && !has_content_type) req.headers.emplace_back("Content-Type", *content_type);
    return req;
  }

  /// Checks the expectations; nullopt when all hold, else the failure.
  std::optional<std::pair<FailureKind, std::string>> judge(const WebResponse& r) {
    const bool status_ok =
        step_.status.empty()
            ? r.status >= 200 && r.status <= 399
            : std::any_of(step_.status.begin(), step_.status.end(),
                          [&](const StatusRange& range) { return range.contains(r.status); });
    if (!status_ok) {
      const bool auth = r.status == 401 || r.status == 403;
      return std::pair(auth ? FailureKind::auth_rejected : FailureKind::bad_status,
                       "expected status " + describe_expected(step_.status) + ", got " +
                           std::to_string(r.status));
    }
    for (const auto& re : step_.body_match) {
      if (!re.search(r.body)) {
        return std::pair(FailureKind::bad_content, "body does not match /" + re.pattern() + "/");
      }
    }
    for (const auto& re : step_.body_not_match) {
      if (re.search(r.body)) {
        return std::pair(FailureKind::bad_content, "body matches /" + re.pattern() + "/");
      }
    }
    for (const auto& [name, re] : step_.header_match) {
      const auto value = r.header(name);
      if (!value) return std::pair(FailureKind::bad_content, "no " + name + " header");
      if (!re.search(*value)) {
        return std::pair(FailureKind::bad_content,
                         "header " + name + " does not match /" + re.pattern() + "/");
      }
    }
    if (!step_.json_assert.empty()) {
      const nlohmann::json* doc = json_body(r);
      if (!doc) return std::pair(FailureKind::bad_content, not_json_reason());
      for (const auto& a : step_.json_assert) {
        if (auto problem = a.check(*doc)) return std::pair(FailureKind::bad_content, *problem);
      }
    }
    return std::nullopt;
  }

  /// Checks `expect.extracted` against the values this step extracted; the problem, if any.
  std::optional<std::string> judge_extracted() const {
    if (step_.extracted_assert.empty()) return std::nullopt;
    nlohmann::json values = nlohmann::json::object();
    for (const auto& rule : step_.extract) {
      const auto* value = vars_.find(rule.var);
      if (value && !value->sensitive) values[rule.var] = value->text;
    }
    for (const auto& a : step_.extracted_assert) {
      if (auto problem = a.check(values)) return "extracted " + *problem;
    }
    return std::nullopt;
  }

  /// Runs the extract rules; nullopt when every required value was found, else the reason.
  std::optional<std::string> extract(const WebResponse& r, nlohmann::json& names) {
    for (const auto& rule : step_.extract) {
      std::optional<std::string> value;
      std::string missing;
      switch (rule.source) {
        case ExtractRule::Source::regex: {
          if (auto groups = rule.regex->first_match(r.body);
              groups && rule.group < groups->size()) {
            value = (*groups)[rule.group];
          }
          missing = "body does not match /" + rule.regex->pattern() + "/";
          break;
        }
        case ExtractRule::Source::json: {
          const nlohmann::json* doc = json_body(r);
          const nlohmann::json::json_pointer pointer(rule.arg);
          if (doc && doc->contains(pointer)) {
            const auto& at = (*doc)[pointer];
            value = at.is_string() ? at.get<std::string>() : at.dump();
          }
          missing = doc ? "no " + rule.arg + " in the JSON body" : not_json_reason();
          break;
        }
        case ExtractRule::Source::header:
          if (auto h = r.header(rule.arg)) value = std::string(*h);
          missing = "no " + rule.arg + " header";
          break;
        case ExtractRule::Source::cookie:
          value = session_.cookie(rule.arg);
          missing = "no cookie " + rule.arg + " was set";
          break;
        case ExtractRule::Source::query: {
          const std::string& url = r.redirect_url.empty() ? r.url : r.redirect_url;
          value = query_parameter(url, rule.arg);
          missing = "no query parameter " + rule.arg + " in " + url;
          break;
        }
        case ExtractRule::Source::form: {
          if (!forms_parsed_) {
            page_forms_ = parse_html_forms(r.body);
            forms_parsed_ = true;
          }
          const HtmlForm* form = select_form(page_forms_, rule.form);
          if (!form) {
            missing = "no " + rule.form.describe() + " on the page (" +
                      std::to_string(page_forms_.size()) + " form(s))";
            break;
          }
          store_form(rule, *form, r.url);
          value = "";
          break;
        }
      }
      if (!value) {
        if (rule.required) return "extract " + rule.var + ": " + missing;
        continue;
      }
      names.push_back(rule.var);
      if (rule.source == ExtractRule::Source::form) continue;
      if (rule.sensitive) session_.hide(*value);
      vars_.set(rule.var, std::move(*value), rule.sensitive);
    }
    return std::nullopt;
  }

 private:
  std::optional<std::string> expand(const Template& t, std::string& problem) {
    auto v = t.expand(vars_, problem);
    if (!v) return std::nullopt;
    for (auto& part : v->sensitive_parts)
      session_.hide(std::move(part));
    return std::move(v->text);
  }

  const nlohmann::json* json_body(const WebResponse& r) {
    if (!json_parsed_) {
      auto parsed = parse_json_limited(r.body);
      json_ = std::move(parsed.value);
      json_limit_ = std::move(parsed.limit);
      json_parsed_ = true;
    }
    return json_.is_discarded() ? nullptr : &json_;
  }

  /// Why json_body() gave nothing: the limit the body exceeded, or that it is not JSON.
  std::string not_json_reason() const {
    return json_limit_.empty() ? "body is not valid JSON" : "response JSON " + json_limit_;
  }

  void store_form(const ExtractRule& rule, const HtmlForm& form, const std::string& page_url) {
    Fields fields;
    vars_.set(rule.var + ".action", resolve_url(page_url, form.action), false);
    vars_.set(rule.var + ".method", form.method, false);
    for (const HtmlInput* input : form.hidden()) {
      const std::string& key = input->name.empty() ? input->id : input->name;
      if (key.empty()) continue;
      const bool sensitive = rule.sensitive || Redactor::is_sensitive_name(key);
      if (sensitive) session_.hide(input->value);
      vars_.set(rule.var + "." + key, input->value, sensitive);
      // Only named inputs are submitted by a browser.
      if (!input->name.empty()) fields.emplace_back(input->name, input->value);
    }
    forms_[rule.var] = std::move(fields);
  }

  const ScenarioSettings& settings_;
  const ScenarioStep& step_;
  WebSession& session_;
  Variables& vars_;
  std::map<std::string, Fields>& forms_;
  bool json_parsed_ = false;
  nlohmann::json json_;
  std::string json_limit_;
  bool forms_parsed_ = false;
  std::vector<HtmlForm> page_forms_;
};

}  // namespace

boost::asio::awaitable<ProbeResult> run_scenario(const ScenarioSettings& settings,
                                                 WebSession& session, Variables& variables) {
  std::map<std::string, Fields> forms;
  nlohmann::json steps = nlohmann::json::array();
  std::vector<Phase> phases;
  auto finish = [&](ProbeResult r, std::size_t passed) {
    r.reason = session.redact(r.reason);
    r.phases = std::move(phases);
    r.measure("scenario_steps", double(settings.steps.size()));
    r.measure("scenario_steps_passed", double(passed));
    r.evidence = {{"steps", std::move(steps)}};
    return r;
  };
  for (std::size_t i = 0; i < settings.steps.size(); ++i) {
    const ScenarioStep& step = settings.steps[i];
    const std::string label = "step " + std::to_string(i + 1) + " \"" + step.name + "\": ";
    StepRun run(settings, step, session, variables, forms);
    std::string problem;
    auto request = run.request(problem);
    if (!request) {
      co_return finish(ProbeResult::fail(FailureKind::bad_content,
                                         label + "cannot build the request: " + problem),
                       i);
    }
    session.log("step " + std::to_string(i + 1) + " \"" + step.name + "\"");
    const WebResponse response = co_await session.send(*request);
    const double seconds = response.elapsed.count();
    phases.push_back({step.name, seconds});
    nlohmann::json evidence = {{"name", step.name},
                               {"method", request->method},
                               {"url", session.redact(request->url)},
                               {"duration_ms", int(seconds * 1000)}};
    if (response.status > 0) evidence["status"] = response.status;
    if (!response.ok()) {
      steps.push_back(std::move(evidence));
      co_return finish(ProbeResult::fail(failure_kind_of(response), label + response.error), i);
    }
    if (auto failure = run.judge(response)) {
      evidence["excerpt"] = session.redact(utf8_excerpt(response.body, 200));
      steps.push_back(std::move(evidence));
      co_return finish(ProbeResult::fail(failure->first, label + failure->second), i);
    }
    nlohmann::json extracted = nlohmann::json::array();
    auto missing = run.extract(response, extracted);
    if (!extracted.empty()) evidence["extracted"] = std::move(extracted);
    steps.push_back(std::move(evidence));
    if (missing) co_return finish(ProbeResult::fail(FailureKind::bad_content, label + *missing), i);
    if (auto problem = run.judge_extracted()) {
      co_return finish(ProbeResult::fail(FailureKind::bad_content, label + *problem), i);
    }
  }
  co_return finish(ProbeResult::pass(std::to_string(settings.steps.size()) + " steps passed"),
                   settings.steps.size());
}

}  // namespace campus
