#include "sinks/evidence_sink.h"

#include "sinks/evidence_record.h"

namespace campus {

void EvidenceSink::publish(const Publication& publication) {
  log_.append(make_run_record(*publication.record, redactor_));
}

void EvidenceSink::session_login(const SessionLoginRecord& login) {
  log_.append(make_session_login_record(login, redactor_));
}

}  // namespace campus
