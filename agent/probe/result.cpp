#include "probe/result.h"

namespace campus {

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass:
      return "pass";
    case Verdict::fail:
      return "fail";
    case Verdict::error:
      return "error";
  }
  return "error";
}

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::none:
      return "none";
    case FailureKind::resolve:
      return "resolve";
    case FailureKind::connect:
      return "connect";
    case FailureKind::tls:
      return "tls";
    case FailureKind::timeout:
      return "timeout";
    case FailureKind::auth_rejected:
      return "auth_rejected";
    case FailureKind::bad_status:
      return "bad_status";
    case FailureKind::bad_content:
      return "bad_content";
    case FailureKind::protocol_error:
      return "protocol_error";
    case FailureKind::captcha_required:
      return "captcha_required";
    case FailureKind::internal:
      return "internal";
  }
  return "internal";
}

const std::vector<FailureKind>& all_failure_kinds() {
  static const std::vector<FailureKind> kinds{
      FailureKind::resolve,     FailureKind::connect,        FailureKind::tls,
      FailureKind::timeout,     FailureKind::auth_rejected,  FailureKind::bad_status,
      FailureKind::bad_content, FailureKind::protocol_error, FailureKind::captcha_required,
      FailureKind::internal};
  return kinds;
}

ProbeResult ProbeResult::pass(std::string reason) {
  ProbeResult r;
  r.verdict = Verdict::pass;
  r.kind = FailureKind::none;
  r.reason = std::move(reason);
  return r;
}

ProbeResult ProbeResult::fail(FailureKind kind, std::string reason) {
  ProbeResult r;
  r.verdict = Verdict::fail;
  r.kind = kind;
  r.reason = std::move(reason);
  return r;
}

ProbeResult ProbeResult::fail(FailureKind kind, std::string reason, nlohmann::json evidence) {
  ProbeResult r = fail(kind, std::move(reason));
  r.evidence = std::move(evidence);
  return r;
}

ProbeResult ProbeResult::error(std::string reason) {
  ProbeResult r;
  r.verdict = Verdict::error;
  r.kind = FailureKind::internal;
  r.reason = std::move(reason);
  return r;
}

double ProbeResult::measurement(std::string_view name, double fallback) const {
  for (const auto& m : measurements) {
    if (m.name == name) return m.value;
  }
  return fallback;
}

}  // namespace campus
