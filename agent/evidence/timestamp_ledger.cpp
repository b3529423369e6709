#include "evidence/timestamp_ledger.h"

#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "core/json_parse.h"
#include "core/logger.h"

namespace campus {
namespace {

// A token may predate its checkpoint's own clock by this much (the clocks of the agent and of the
// authority differ a little) before it counts as older than what it stamps.
constexpr auto kClockSkew = std::chrono::minutes(5);

}  // namespace

void TimestampLedger::signed_record(std::uint64_t seq, const std::string& hash,
                                    const std::string& time) {
  signed_[seq] = {hash, time};
}

std::string TimestampLedger::check(const std::string& line, std::uint64_t first_seq) {
  const auto record = parse_json_bounded(line);
  const auto checkpoint =
      record.is_object() ? record.value("checkpoint", nlohmann::json()) : nlohmann::json();
  if (!checkpoint.is_object() || !checkpoint.contains("seq") ||
      !checkpoint["seq"].is_number_unsigned()) {
    return "a timestamp record without the checkpoint it stamps";
  }
  const auto seq = checkpoint["seq"].get<std::uint64_t>();
  const std::string hash = checkpoint.value("hash", "");
  std::string time = checkpoint.value("time", "");
  const std::string where = "the timestamp of checkpoint seq " + std::to_string(seq);
  if (const auto it = signed_.find(seq); it != signed_.end()) {
    if (it->second.hash != hash) {
      return where +
             " was taken over another hash than the log's record at that seq — the "
             "chain up to it was rewritten after it was time-stamped";
    }
    time = it->second.time;
  } else if (seq >= first_seq) {
    return where + ": the log has no signed record at that seq";
  }
  const auto token = base64_decode(record.value("token", ""));
  if (!token) return where + ": the token is not base64";
  const TokenCheck token_check = check_timestamp_token(*token, hash, trust_);
  if (!token_check.problem.empty()) return where + ": " + token_check.problem;
  if (const auto when = parse_utc_time(time)) {
    if (token_check.gen_time + kClockSkew < *when) {
      return where + ": the authority dated it " + rfc3339_utc(token_check.gen_time) +
             ", before the checkpoint itself (" + time + ")";
    }
    if (token_check.gen_time > *when + max_delay_) {
      return where + ": the authority dated it " + rfc3339_utc(token_check.gen_time) +
             ", long after the checkpoint (" + time +
             ") — the chain may have been rewritten and time-stamped again";
    }
  }
  ++tokens_;
  if (seq >= covered_seq_) {
    covered_seq_ = seq;
    covered_time_ = rfc3339_utc(token_check.gen_time);
  }
  return {};
}

}  // namespace campus
