#pragma once
// The labels every series of the agent carries besides its own: `site` and the extra labels
// (agent.labels, the site's labels), so that a central store scraping many agents tells them
// apart. They are added where the series leave the agent (the text exposition and the push),
// not kept on every series: one place, and a reload that changes them touches nothing else.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace campus {

/// Appends `value` escaped as a label value of the text exposition (backslash, quote, newline).
void escape_label_value(std::string& out, std::string_view value);

/// Thread-safe: set on the io_context thread when the config changes, read by scrapes and by
/// pushes on the worker pool.
class ExternalLabels {
 public:
  using List = std::vector<std::pair<std::string, std::string>>;

  /// `site` (when not empty) and `labels`, kept in name order.
  void set(const std::string& site, const std::map<std::string, std::string>& labels);
  List list() const;
  /// Adds the labels to every series of `families`, after their own.
  void apply(std::vector<prometheus::MetricFamily>& families) const;
  /// `,name="value"...` (escaped), for writers of the text exposition; empty when none.
  std::string text() const;

 private:
  mutable std::mutex mutex_;
  List labels_;
  std::string text_;
};

/// A Collectable that hands out another's families with the external labels added: what the
/// Pushgateway is given.
class LabelledCollectable final : public prometheus::Collectable {
 public:
  LabelledCollectable(std::shared_ptr<prometheus::Collectable> inner,
                      std::shared_ptr<const ExternalLabels> labels)
      : inner_(std::move(inner)), labels_(std::move(labels)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::shared_ptr<prometheus::Collectable> inner_;
  std::shared_ptr<const ExternalLabels> labels_;
};

}  // namespace campus
