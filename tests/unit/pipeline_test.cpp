// The result pipeline: state first, then every sink in order, each with what it needs of the
// indicators; one reload rule (same fingerprint, same check) for the state and every sink; and
// the failing runs' step logs kept per check.

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "catalog/catalog.h"
#include "pipeline/result_pipeline.h"
#include "sinks/metrics.h"
#include "sinks/result_store.h"

using namespace campus;

namespace {

// Records what reaches it, and what the state said at that moment.
class RecordingSink final : public ResultSink {
 public:
  RecordingSink(std::vector<std::string>& order, std::string name)
      : order_(order), name_(std::move(name)) {}
  void configure(const ConfigChange& change) override {
    order_.push_back(name_ + ":configure");
    same_seen = change.same.size();
  }
  void publish(const Publication& p) override {
    order_.push_back(name_ + ":" + p.record->check->id);
    for (const auto& v : p.indicators)
      statuses.push_back(std::string(v.indicator->id) + "=" + std::string(to_string(v.status)));
  }
  void skipped(const CheckSpec& check) override {
    order_.push_back(name_ + ":skipped:" + check.id);
  }
  std::vector<std::string> statuses;
  std::size_t same_seen = 0;

 private:
  std::vector<std::string>& order_;
  std::string name_;
};

std::shared_ptr<const Config> make_config(std::vector<std::pair<std::string, std::string>> checks) {
  auto config = std::make_shared<Config>();
  for (const auto& [id, fingerprint] : checks) {
    auto c = std::make_shared<CheckSpec>();
    c->id = id;
    c->probe_type = "http";
    c->fingerprint = fingerprint;
    c->indicators = {"H-3.3.1.1"};
    config->checks.push_back(std::move(c));
  }
  config->index_checks();
  return config;
}

RunRecord run_of(const Config& config, const std::string& id, Verdict verdict,
                 std::string log_line = "") {
  RunRecord record;
  for (const auto& c : config.checks) {
    if (c->id == id) record.check = c;
  }
  record.result = verdict == Verdict::pass ? ProbeResult::pass("ok")
                                           : ProbeResult::fail(FailureKind::bad_status, "HTTP 503");
  if (!log_line.empty()) {
    auto log = std::make_shared<RunLog>();
    log->add(log_line);
    record.log = log;
  }
  return record;
}

}  // namespace

TEST_CASE("publish updates the state, then feeds every sink in order with the indicator views") {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes;
  ResultPipeline pipeline(catalog);
  std::vector<std::string> order;
  RecordingSink first(order, "first"), second(order, "second");
  pipeline.add(first);
  pipeline.add(second);
  auto config = make_config({{"sso", "f1"}, {"portal", "f2"}});
  pipeline.set_config(config, probes);
  CHECK(order == std::vector<std::string>{"first:configure", "second:configure"});

  pipeline.publish(run_of(*config, "sso", Verdict::pass));
  pipeline.publish(run_of(*config, "portal", Verdict::fail));
  pipeline.skipped(*config->checks[0]);
  CHECK(order == std::vector<std::string>{"first:configure", "second:configure", "first:sso",
                                          "second:sso", "first:portal", "second:portal",
                                          "first:skipped:sso", "second:skipped:sso"});
  // Both checks prove H-3.3.1.1 (policy all): unverified while one has not run, then failing.
  CHECK(second.statuses == std::vector<std::string>{"H-3.3.1.1=unverified", "H-3.3.1.1=failing"});
  CHECK(pipeline.state().check("sso")->runs == 1);
  CHECK(pipeline.state().check("portal")->consecutive_failures == 1);
}

TEST_CASE("a reload keeps the history of the same check and starts a changed one over") {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes;
  ResultPipeline pipeline(catalog);
  ResultStore store(10, 2);
  Metrics metrics(catalog, "test");
  std::vector<std::string> order;
  RecordingSink recorder(order, "r");
  pipeline.add(store);
  pipeline.add(metrics);
  pipeline.add(recorder);
  auto before = make_config({{"kept", "same"}, {"moved", "old-target"}, {"gone", "x"}});
  pipeline.set_config(before, probes);
  for (const char* id : {"kept", "moved", "gone"})
    pipeline.publish(run_of(*before, id, Verdict::fail, std::string("log of ") + id));
  REQUIRE(store.failures_of("moved").size() == 1);
  REQUIRE(metrics.text().find("campus_probe_success{check=\"moved\"") != std::string::npos);

  // `moved` keeps its id but its target changed: a new fingerprint, so a new check.
  auto after = make_config({{"kept", "same"}, {"moved", "new-target"}});
  pipeline.set_config(after, probes);
  CHECK(recorder.same_seen == 1);
  CHECK(pipeline.state().check("kept")->consecutive_failures == 1);
  CHECK(pipeline.state().check("moved") == nullptr);
  CHECK(pipeline.state().check("gone") == nullptr);
  CHECK(store.failures_of("kept").size() == 1);
  CHECK(store.failures_of("moved").empty());
  CHECK(store.recent_failures().size() == 1);
  const std::string text = metrics.text();
  CHECK(text.find("campus_probe_success{check=\"kept\"") != std::string::npos);
  CHECK(text.find("campus_probe_success{check=\"moved\"") == std::string::npos);
  CHECK(text.find("campus_probe_success{check=\"gone\"") == std::string::npos);
}

TEST_CASE("the result store keeps the step logs of each check's latest failing runs, bounded") {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes;
  ResultPipeline pipeline(catalog);
  ResultStore store(100, 2);
  pipeline.add(store);
  auto config = make_config({{"library", "f"}, {"portal", "g"}});
  pipeline.set_config(config, probes);
  pipeline.publish(run_of(*config, "library", Verdict::fail, "connect refused #1"));
  pipeline.publish(run_of(*config, "library", Verdict::pass));
  pipeline.publish(run_of(*config, "library", Verdict::fail, "connect refused #2"));
  pipeline.publish(run_of(*config, "library", Verdict::fail, "connect refused #3"));
  pipeline.publish(run_of(*config, "portal", Verdict::pass));
  const auto& failures = store.failures_of("library");
  REQUIRE(failures.size() == 2);  // the oldest failure went
  REQUIRE(failures[0]->log);
  CHECK(failures[0]->log->text().find("connect refused #3") != std::string::npos);
  CHECK(failures[1]->log->text().find("connect refused #2") != std::string::npos);
  CHECK(store.failures_of("portal").empty());
  CHECK(store.recent_successes().size() == 2);
  CHECK(store.recent_failures().size() == 3);
}

TEST_CASE(
    "a failure inside a maintenance window is recorded, marked, and leaves the indicator met") {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes;
  ResultPipeline pipeline(catalog);
  std::vector<std::string> order;
  RecordingSink sink(order, "sink");
  pipeline.add(sink);
  auto config = std::const_pointer_cast<Config>(make_config({{"portal", "v1"}}));
  auto window = std::make_shared<MaintenanceWindow>();
  window->name = "library upgrade";
  window->reason = "planned upgrade of the library system";
  const auto now = std::chrono::system_clock::now();
  window->from = now - std::chrono::hours(1);
  window->to = now + std::chrono::hours(1);
  window->checks = {"portal"};
  config->maintenance.push_back(window);
  pipeline.set_config(config, probes);

  auto pass = run_of(*config, "portal", Verdict::pass);
  pass.started = now - std::chrono::hours(2);  // before the window
  pipeline.publish(pass);
  auto during = run_of(*config, "portal", Verdict::fail);
  during.started = now;
  pipeline.publish(during);
  CHECK(sink.statuses == std::vector<std::string>{"H-3.3.1.1=met", "H-3.3.1.1=met"});
  auto after = run_of(*config, "portal", Verdict::fail);
  after.started = now + std::chrono::hours(2);  // the window is over: it counts
  pipeline.publish(after);
  CHECK(sink.statuses.back() == "H-3.3.1.1=failing");
}

TEST_CASE("the result store keeps each check's latest runs in brief, oldest first, bounded") {
  const Catalog catalog = Catalog::builtin();
  const ProbeRegistry probes;
  ResultPipeline pipeline(catalog);
  ResultStore store;
  pipeline.add(store);
  auto config = make_config({{"library", "f"}, {"portal", "g"}});
  pipeline.set_config(config, probes);
  CHECK(store.history_of("library").size() == 0);
  const std::size_t runs = RunHistory::kCapacity + 5;
  for (std::size_t i = 0; i < runs; ++i) {
    auto record = run_of(*config, "library", i % 4 == 3 ? Verdict::fail : Verdict::pass);
    record.started = std::chrono::system_clock::time_point(std::chrono::seconds(1000 + i));
    record.result.duration = std::chrono::milliseconds(10 + i);
    pipeline.publish(std::move(record));
  }
  const auto& history = store.history_of("library");
  REQUIRE(history.size() == RunHistory::kCapacity);
  // The five oldest went; the rest are in order.
  for (std::size_t i = 0; i < history.size(); ++i) {
    const std::size_t run = i + 5;
    CHECK(history[i].started.time_since_epoch() == std::chrono::seconds(1000 + run));
    CHECK(history[i].duration_ms == doctest::Approx(double(10 + run)));
    CHECK(history[i].verdict == (run % 4 == 3 ? Verdict::fail : Verdict::pass));
  }
  CHECK(store.history_of("portal").size() == 0);
  // A changed check starts over; an unchanged one keeps its history.
  pipeline.publish(run_of(*config, "portal", Verdict::pass));
  pipeline.set_config(make_config({{"library", "f2"}, {"portal", "g"}}), probes);
  CHECK(store.history_of("library").size() == 0);
  CHECK(store.history_of("portal").size() == 1);
}
