#include "sinks/evidence_sink.h"

#include "config/claims_json.h"
#include "sinks/evidence_record.h"

namespace campus {

void EvidenceSink::configure(const ConfigChange& change) {
  site_ = site_members(change.config);
}

void EvidenceSink::publish(const Publication& publication) {
  auto record = make_run_record(*publication.record, redactor_);
  record.update(site_);
  log_.append(std::move(record));
}

void EvidenceSink::session_login(const SessionLoginRecord& login) {
  auto record = make_session_login_record(login, redactor_);
  record.update(site_);
  log_.append(std::move(record));
}

}  // namespace campus
