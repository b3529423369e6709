#include "sinks/external_labels.h"

namespace campus {

// Label values come from the config; a value may still hold any text.
void escape_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void ExternalLabels::set(const std::string& site,
                         const std::map<std::string, std::string>& labels) {
  std::map<std::string, std::string> all = labels;
  if (!site.empty()) all["site"] = site;
  List list(all.begin(), all.end());
  std::string text;
  for (const auto& [name, value] : list) {
    text += ',' + name + "=\"";
    escape_label_value(text, value);
    text += '"';
  }
  std::lock_guard lock(mutex_);
  labels_ = std::move(list);
  text_ = std::move(text);
}

ExternalLabels::List ExternalLabels::list() const {
  std::lock_guard lock(mutex_);
  return labels_;
}

std::string ExternalLabels::text() const {
  std::lock_guard lock(mutex_);
  return text_;
}

void ExternalLabels::apply(std::vector<prometheus::MetricFamily>& families) const {
  const List labels = list();
  if (labels.empty()) return;
  for (auto& family : families) {
    for (auto& metric : family.metric) {
      for (const auto& [name, value] : labels)
        metric.label.push_back({name, value});
    }
  }
}

std::vector<prometheus::MetricFamily> LabelledCollectable::Collect() const {
  auto families = inner_->Collect();
  labels_->apply(families);
  return families;
}

}  // namespace campus
