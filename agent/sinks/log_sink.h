#pragma once
// The log sink: one line per run in the agent's log, at debug for passes and warn otherwise.

#include "core/logger.h"
#include "pipeline/result_pipeline.h"

namespace campus {

class LogSink final : public ResultSink {
 public:
  explicit LogSink(Logger& log) : log_(log) {}

  void configure(const ConfigChange&) override {}
  void publish(const Publication& publication) override;
  void skipped(const CheckSpec& check) override;
  void session_login(const SessionLoginRecord& login) override;
  void session_lost(const SessionSpec& session, const std::string& reason) override;

 private:
  Logger& log_;
};

}  // namespace campus
