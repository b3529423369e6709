#include "evidence/evidence_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "core/json_parse.h"
#include "evidence/record.h"
#include "version.h"

namespace campus {
namespace {

namespace fs = std::filesystem;

std::string utc_day(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y%m%d", &tm);
  return buffer;
}

const std::regex& segment_pattern() {
  static const std::regex pattern(R"(evidence-(\d{8})-(\d{4})\.jsonl)");
  return pattern;
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

std::string segment_name(const std::string& yyyymmdd, int number) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "evidence-%s-%04d.jsonl", yyyymmdd.c_str(), number);
  return buffer;
}

std::string load_evidence_key(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw EvidenceError("evidence key file " + path + ": " + errno_text());
  }
  if (st.st_mode & (S_IROTH | S_IWOTH)) {
    throw EvidenceError(
        "evidence key file " + path +
        " is readable by other users; chmod 600 it (or 640 with a dedicated group)");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream key;
  key << in.rdbuf();
  std::string value = key.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
    value.pop_back();
  if (value.size() < 32) {
    throw EvidenceError("evidence key file " + path + " holds " + std::to_string(value.size()) +
                        " bytes; an HMAC key needs at least 32 (e.g. openssl rand -hex 32)");
  }
  return value;
}

EvidenceLog::EvidenceLog(Options options, prometheus::Registry& registry, Logger& log)
    : options_(std::move(options)),
      log_(log),
      records_(prometheus::BuildCounter()
                   .Name("campus_evidence_records_total")
                   .Help("Evidence records written (and synced per the fsync policy)")
                   .Register(registry)
                   .Add({})),
      write_errors_(prometheus::BuildCounter()
                        .Name("campus_evidence_write_errors_total")
                        .Help("Failed writes to the evidence log")
                        .Register(registry)
                        .Add({})),
      dropped_(prometheus::BuildCounter()
                   .Name("campus_evidence_dropped_total")
                   .Help("Records dropped because the writer's queue was full")
                   .Register(registry)
                   .Add({})),
      segment_bytes_(prometheus::BuildGauge()
                         .Name("campus_evidence_segment_bytes")
                         .Help("Size of the evidence segment being written")
                         .Register(registry)
                         .Add({})) {
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec) throw EvidenceError("evidence directory " + options_.dir + ": " + ec.message());
  recover();
  flush_buffer();
  sync();
  writer_ = std::thread([this] { writer_loop(); });
}

EvidenceLog::~EvidenceLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  if (fd_ >= 0) ::close(fd_);
}

// Finds where the chain stands: the last record of the last segment, after setting aside a
// torn tail. Runs before the writer thread starts.
void EvidenceLog::recover() {
  std::vector<std::string> segments;
  for (const auto& entry : fs::directory_iterator(options_.dir)) {
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, segment_pattern())) segments.push_back(name);
  }
  std::sort(segments.begin(), segments.end());
  const std::string today = utc_day(options_.clock());
  if (segments.empty()) {
    open_segment(today, 1, "new log");
    return;
  }
  const std::string last = segments.back();
  const std::string path = options_.dir + "/" + last;
  std::ifstream in(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  const auto end_of_last_line = content.rfind('\n');
  const std::size_t complete = end_of_last_line == std::string::npos ? 0 : end_of_last_line + 1;
  std::optional<nlohmann::json> repair;
  if (complete < content.size()) {
    // A crash mid-write leaves at most one partial line at the end.
    const std::string torn = content.substr(complete);
    std::ofstream(path + ".torn", std::ios::app | std::ios::binary) << torn;
    if (::truncate(path.c_str(), off_t(complete)) != 0) {
      throw EvidenceError("cannot repair " + path + ": " + errno_text());
    }
    repair = nlohmann::json{{"type", "repair"},
                            {"segment", last},
                            {"torn_bytes", torn.size()},
                            {"torn_file", last + ".torn"},
                            {"note", "a partial last line (an interrupted write) was set aside"}};
    log_.warn("evidence: " + last + " ended in a partial line of " + std::to_string(torn.size()) +
              " bytes; moved it to " + last + ".torn and recorded the repair");
  }
  // The last complete record gives the chain's position.
  std::string_view body(content.data(), complete);
  if (!body.empty()) body.remove_suffix(1);  // its final newline
  const auto line_start = body.rfind('\n');
  const std::string line(line_start == std::string_view::npos ? body : body.substr(line_start + 1));
  std::smatch m;
  std::regex_match(last, m, segment_pattern());
  const std::string day = m[1];
  const int number = std::stoi(m[2]);
  if (line.empty()) {
    // A segment created but never written (a crash right after its creation): drop it and take
    // the chain up from the segment before.
    std::error_code removed;
    fs::remove(path, removed);
    if (removed) throw EvidenceError("cannot remove the empty " + path + ": " + removed.message());
    recover();
    if (repair) write_record(std::move(*repair));
    return;
  } else {
    const auto record = parse_json_bounded(line);
    if (record.is_discarded() || !record.contains("seq") || !record.contains("hash")) {
      throw EvidenceError(path +
                          ": the last line is not an evidence record; run `campus-probe "
                          "evidence verify " +
                          options_.dir + "` and move the damaged segment aside");
    }
    next_seq_ = record["seq"].get<std::uint64_t>() + 1;
    prev_hash_ = record["hash"].get<std::string>();
    segment_day_ = day;
    segment_number_ = number;
    segment_ = last;
    if (record.value("type", "") == "seal") {
      open_segment(today, day == today ? number + 1 : 1, "previous segment sealed");
    } else {
      fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd_ < 0) throw EvidenceError("cannot append to " + path + ": " + errno_text());
      segment_size_ = complete;
      // The seal will count every record of the segment, those written before the restart too.
      segment_records_ = std::uint64_t(
          std::count(content.begin(), content.begin() + std::ptrdiff_t(complete), '\n'));
    }
  }
  if (repair) write_record(std::move(*repair));
  rotate_if_needed(today);
  apply_retention();
}

// Deletes the oldest segments whose day ended more than `retain` ago, never the one being
// written, and records what went so that verification still accepts what remains.
void EvidenceLog::apply_retention() {
  if (!options_.retain) return;
  const std::string cutoff = utc_day(options_.clock() - *options_.retain - std::chrono::hours(24));
  std::vector<std::string> segments;
  for (const auto& entry : fs::directory_iterator(options_.dir)) {
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, segment_pattern())) segments.push_back(name);
  }
  std::sort(segments.begin(), segments.end());
  nlohmann::json deleted = nlohmann::json::array();
  for (const auto& name : segments) {
    std::smatch m;
    std::regex_match(name, m, segment_pattern());
    if (name == segment_ || m[1].str() > cutoff) break;  // only a prefix, so the chain stays whole
    std::ifstream in(options_.dir + "/" + name, std::ios::binary);
    std::string line, last;
    while (std::getline(in, line)) {
      if (!line.empty()) last = line;
    }
    const auto record = parse_json_bounded(last);
    if (record.is_discarded() || !record.contains("hash") || !record.contains("seq")) break;
    std::error_code ec;
    fs::remove(options_.dir + "/" + name, ec);
    if (ec) {
      log_.error("evidence: cannot delete expired " + name + ": " + ec.message());
      break;
    }
    deleted.push_back(
        {{"segment", name}, {"last_hash", record["hash"]}, {"last_seq", record["seq"]}});
  }
  if (deleted.empty()) return;
  log_.info("evidence: retention deleted " + std::to_string(deleted.size()) +
            " segment(s) older than " + format_duration(*options_.retain));
  write_record(
      {{"type", "retention"}, {"retain", format_duration(*options_.retain)}, {"deleted", deleted}});
}

void EvidenceLog::open_segment(const std::string& day, int number, const std::string& reason) {
  if (fd_ >= 0) {
    flush_buffer();
    sync();
    ::close(fd_);
  }
  const std::string previous = segment_;
  segment_ = segment_name(day, number);
  segment_day_ = day;
  segment_number_ = number;
  const std::string path = options_.dir + "/" + segment_;
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) throw EvidenceError("cannot create " + path + ": " + errno_text());
  segment_size_ = 0;
  segment_records_ = 0;
  nlohmann::json open = {{"type", "open"},
                         {"segment", segment_},
                         {"reason", reason},
                         {"agent", std::string("campus-probe ") + kVersion}};
  if (!previous.empty()) open["previous_segment"] = previous;
  write_record(std::move(open));
}

void EvidenceLog::rotate_if_needed(const std::string& day) {
  if (day == segment_day_ && segment_size_ + buffer_.size() < options_.segment_max_bytes) return;
  // The seal names the segment's count and last hash, so a truncated or swapped segment shows.
  const bool new_day = day != segment_day_;
  write_record({{"type", "seal"},
                {"segment", segment_},
                {"records", segment_records_},
                {"last", prev_hash_}});
  open_segment(day, new_day ? 1 : segment_number_ + 1, new_day ? "new day" : "size limit");
  if (new_day) apply_retention();
}

void EvidenceLog::write_record(nlohmann::json record) {
  if (!record.contains("time")) record["time"] = rfc3339_utc(options_.clock());
  record["seq"] = next_seq_;
  record["prev"] = prev_hash_;
  seal_record(record, options_.key);
  prev_hash_ = record["hash"].get<std::string>();
  const auto type = record.value("type", "");
  if (options_.signing_key && (type == "seal" || type == "checkpoint")) {
    // The signature covers the hash, and so the whole chain up to this record.
    record["sig"] = options_.signing_key->sign_hex(prev_hash_);
    since_checkpoint_ = 0;
    last_checkpoint_ = std::chrono::steady_clock::now();
    signed_unannounced_ = SignedPoint{next_seq_, prev_hash_, record.value("time", "")};
  } else if (type != "timestamp") {
    // A timestamp is taken of a checkpoint: counting it would call for another checkpoint, and
    // so another timestamp, for ever on an idle log. Its token vouches for itself.
    ++since_checkpoint_;
  }
  ++next_seq_;
  ++segment_records_;
  buffer_ += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  buffer_ += '\n';
}

void EvidenceLog::flush_buffer() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      write_errors_.Increment();
      log_.error("evidence: writing " + segment_ + " failed: " + errno_text());
      // Keep what was not written: it is retried with the next batch.
      buffer_.erase(0, done);
      return;
    }
    done += std::size_t(n);
  }
  segment_size_ += buffer_.size();
  segment_bytes_.Set(double(segment_size_));
  buffer_.clear();
  dirty_ = true;
}

void EvidenceLog::sync() {
  if (!dirty_ || fd_ < 0) return;
  if (::fdatasync(fd_) != 0) {
    write_errors_.Increment();
    log_.error("evidence: fdatasync of " + segment_ + " failed: " + errno_text());
    return;
  }
  dirty_ = false;
  last_sync_ = std::chrono::steady_clock::now();
}

bool EvidenceLog::append(nlohmann::json record) {
  if (!record.contains("time")) record["time"] = rfc3339_utc(options_.clock());
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.queue_capacity) {
      dropped_.Increment();
      log_.error("evidence: queue full, record dropped: the disk cannot keep up");
      return false;
    }
    queue_.push_back(std::move(record));
    ++queued_total_;
  }
  wake_.notify_one();
  return true;
}

void EvidenceLog::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = queued_total_;
  wake_.notify_one();
  written_.wait(lock, [&] { return written_total_ >= target || stopping_; });
}

void EvidenceLog::checkpoint_if_due(bool closing) {
  if (!options_.signing_key || since_checkpoint_ == 0) return;
  const char* reason = nullptr;
  if (closing) {
    reason = "closing";
  } else if (since_checkpoint_ >= options_.checkpoint_records) {
    reason = "records";
  } else if (std::chrono::steady_clock::now() - last_checkpoint_ >= options_.checkpoint_interval) {
    reason = "interval";
  }
  if (!reason) return;
  write_record({{"type", "checkpoint"}, {"reason", reason}, {"records", since_checkpoint_}});
  records_.Increment();
}

void EvidenceLog::writer_loop() {
  std::deque<nlohmann::json> batch;
  for (;;) {
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      const auto wait = options_.fsync == FsyncPolicy::interval && dirty_
                            ? options_.fsync_interval
                            : Duration(std::chrono::seconds(1));
      wake_.wait_for(lock, wait, [&] { return stopping_ || !queue_.empty(); });
      batch.swap(queue_);
      stop = stopping_ && batch.empty();
    }
    const std::size_t count = batch.size();
    for (auto& record : batch) {
      rotate_if_needed(utc_day(options_.clock()));
      write_record(std::move(record));
    }
    batch.clear();
    checkpoint_if_due(stop);
    if (!buffer_.empty()) flush_buffer();
    const bool written = buffer_.empty();
    if (written && signed_unannounced_ && options_.on_signed) {
      options_.on_signed(*signed_unannounced_);
      signed_unannounced_.reset();
    }
    if (options_.fsync == FsyncPolicy::always ||
        (options_.fsync == FsyncPolicy::interval &&
         std::chrono::steady_clock::now() - last_sync_ >= options_.fsync_interval) ||
        stop) {
      sync();
    }
    if (count > 0 && written) records_.Increment(double(count));
    {
      std::lock_guard lock(mutex_);
      if (written) written_total_ += count;
    }
    written_.notify_all();
    if (stop) return;
  }
}

}  // namespace campus
