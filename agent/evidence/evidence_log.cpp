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
#include <utility>
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
                   .Help("Evidence records written to the segment files")
                   .Register(registry)
                   .Add({})),
      write_errors_(prometheus::BuildCounter()
                        .Name("campus_evidence_write_errors_total")
                        .Help("Failed writes to the evidence log")
                        .Register(registry)
                        .Add({})),
      dropped_(prometheus::BuildCounter()
                   .Name("campus_evidence_dropped_total")
                   .Help("Evidence records dropped because the backlog was full (disk full or "
                         "too slow); a gap record says how many")
                   .Register(registry)
                   .Add({})),
      segment_bytes_(prometheus::BuildGauge()
                         .Name("campus_evidence_segment_bytes")
                         .Help("Size of the evidence segment being written")
                         .Register(registry)
                         .Add({})),
      head_seq_(prometheus::BuildGauge()
                    .Name("campus_evidence_head_seq")
                    .Help("The seq of the last evidence record written: kept by Prometheus, an "
                          "independent record of how far the chain went")
                    .Register(registry)
                    .Add({})) {
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec) throw EvidenceError("evidence directory " + options_.dir + ": " + ec.message());
  recover();
  flush_buffer();
  sync();
  write_head();  // also for a log an older agent wrote without one
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

namespace {

// The head file: the last record the agent synced, outside the segments, so that records removed
// from the end of the log show on the next start and in `evidence verify`.
constexpr const char* kEvidenceHeadFile = "head";
constexpr const char* kEvidenceHeadTemp = "head.tmp";

EvidenceHead head_at(std::uint64_t seq, std::string hash, std::string segment) {
  EvidenceHead head;
  head.seq = seq;
  head.hash = std::move(hash);
  head.segment = std::move(segment);
  return head;
}

// Writes all of `bytes` to `fd`; false (errno set) when the disk refuses.
bool evidence_write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    bytes.remove_prefix(std::size_t(n));
  }
  return true;
}

// Appends a torn line to `torn_path` and makes sure every byte of it is there (synced, and the
// file grew by exactly its size) before the caller cuts it from the segment: on a full disk the
// bytes must stay where they are rather than be lost.
void set_torn_bytes_aside(const std::string& torn_path, const std::string& torn) {
  const int fd = ::open(torn_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) throw EvidenceError("cannot create " + torn_path + ": " + std::strerror(errno));
  struct stat before {};
  ::fstat(fd, &before);
  ::fchmod(fd, 0640);  // an older agent created it 0644
  const bool written = evidence_write_all(fd, torn);
  const int write_errno = errno;
  const bool synced = written && ::fsync(fd) == 0;
  struct stat after {};
  const bool complete =
      synced && ::fstat(fd, &after) == 0 && after.st_size == before.st_size + off_t(torn.size());
  if (!complete) {
    // Leave the torn file as it was: the bytes are still in the segment.
    [[maybe_unused]] const int ignored = ::ftruncate(fd, before.st_size);
    ::close(fd);
    throw EvidenceError("cannot set aside the partial last line (" + std::to_string(torn.size()) +
                        " bytes) in " + torn_path + ": " +
                        (written ? std::string("not synced") : std::strerror(write_errno)) +
                        "; not starting, so that no byte of the evidence is lost: free space "
                        "on its disk and start again");
  }
  ::close(fd);
}

}  // namespace

// Finds where the chain stands: the last record of the last segment, after setting aside a
// torn tail; then compares it with the head file. Runs before the writer thread starts.
void EvidenceLog::recover() {
  auto head = read_evidence_head(options_.dir);
  if (head && head->damaged) {
    // E.g. left empty by a power loss on a file system that does not order the rename after the
    // data (evidence.fsync: never). The log itself is what counts; the head is written anew.
    log_.warn("evidence: " + options_.dir + "/" + kEvidenceHeadFile +
              " is not a head record; ignoring it (it is written anew)");
    head.reset();
  }
  const std::string today = utc_day(options_.clock());
  std::optional<std::pair<std::string, int>> next;  // a segment to open: the last is sealed
  for (;;) {
    std::vector<std::string> segments;
    for (const auto& entry : fs::directory_iterator(options_.dir)) {
      const std::string name = entry.path().filename().string();
      if (std::regex_match(name, segment_pattern())) segments.push_back(name);
    }
    std::sort(segments.begin(), segments.end());
    if (segments.empty()) break;
    const std::string last = segments.back();
    const std::string path = options_.dir + "/" + last;
    std::ifstream in(path, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    const auto end_of_last_line = content.rfind('\n');
    const std::size_t complete = end_of_last_line == std::string::npos ? 0 : end_of_last_line + 1;
    if (complete < content.size()) {
      // A crash (or a full disk) mid-write leaves at most one partial line at the end. Its bytes
      // go to the torn file first; only once they are safely there is the segment cut.
      const std::string torn = content.substr(complete);
      set_torn_bytes_aside(path + ".torn", torn);
      if (::truncate(path.c_str(), off_t(complete)) != 0) {
        throw EvidenceError("cannot repair " + path + ": " + errno_text());
      }
      pending_repairs_.push_back(
          {{"type", "repair"},
           {"segment", last},
           {"torn_bytes", torn.size()},
           {"torn_file", last + ".torn"},
           {"note", "a partial last line (an interrupted write) was set aside"}});
      log_.warn("evidence: " + last + " ended in a partial line of " + std::to_string(torn.size()) +
                " bytes; moved it to " + last + ".torn and recorded the repair");
    }
    // The last complete record gives the chain's position.
    std::string_view body(content.data(), complete);
    if (!body.empty()) body.remove_suffix(1);  // its final newline
    const auto line_start = body.rfind('\n');
    const std::string line(line_start == std::string_view::npos ? body
                                                                : body.substr(line_start + 1));
    std::smatch m;
    std::regex_match(last, m, segment_pattern());
    const std::string day = m[1];
    const int number = std::stoi(m[2]);
    if (line.empty()) {
      // A segment without records: created but never written (a crash right after its
      // creation), or emptied. It holds nothing to keep; remove it, say so in the log, and take
      // the chain up from the segment before (the head file tells whether records are missing).
      std::error_code removed;
      fs::remove(path, removed);
      if (removed)
        throw EvidenceError("cannot remove the empty " + path + ": " + removed.message());
      pending_repairs_.push_back(
          {{"type", "repair"},
           {"segment", last},
           {"removed", "empty segment"},
           {"note",
            "the last segment held no record (created but never written, or emptied); "
            "it was removed"}});
      log_.warn("evidence: the last segment " + last + " was empty; removed it");
      continue;
    }
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
    written_head_ = head_at(next_seq_ - 1, prev_hash_, last);
    head_seq_.Set(double(next_seq_ - 1));
    if (record.value("type", "") == "seal") {
      next = std::make_pair(today, day == today ? number + 1 : 1);
    } else {
      fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd_ < 0) throw EvidenceError("cannot append to " + path + ": " + errno_text());
      segment_size_ = complete;
      segment_bytes_.Set(double(complete));
      // The seal will count every record of the segment, those written before the restart too.
      segment_records_ = std::uint64_t(
          std::count(content.begin(), content.begin() + std::ptrdiff_t(complete), '\n'));
    }
    break;
  }
  const bool empty_log = !written_head_;
  std::optional<nlohmann::json> gap;
  if (head && (empty_log || head->seq >= next_seq_)) {
    // The head file says the chain went further than the log does: records were removed from
    // the end (or a whole last segment). The chain continues from the head, so that the seqs
    // that were used stay used, and the gap record names what is missing; verify reports it.
    gap = nlohmann::json{{"type", "gap"},
                         {"reason", "records missing"},
                         {"missing_from_seq", empty_log ? 0 : next_seq_},
                         {"missing_to_seq", head->seq},
                         {"head_hash", head->hash},
                         {"head_segment", head->segment},
                         {"note",
                          "on start the log ended before the record its head file named: "
                          "these records were removed from the end"}};
    log_.error("evidence: the log ends at seq " +
               (empty_log ? std::string("(none)") : std::to_string(next_seq_ - 1)) +
               " but its head file says seq " + std::to_string(head->seq) +
               ": records were removed from the end; recorded the gap");
    next_seq_ = head->seq + 1;
    prev_hash_ = head->hash;
  }
  if (empty_log) {
    if (gap) {
      open_segment(today, 1, "records missing", std::move(*gap));
    } else {
      open_segment(today, 1, "new log");
    }
  } else if (next) {
    if (gap) {
      open_segment(next->first, next->second, "records missing", std::move(*gap));
    } else {
      open_segment(next->first, next->second, "previous segment sealed");
    }
  } else if (gap) {
    write_record(std::move(*gap));
  }
  if (head && head->lost > 0) {
    // The last stop could not write these (a full disk); its head file kept their count.
    pending_repairs_.push_back(
        {{"type", "gap"},
         {"reason", "records dropped"},
         {"dropped", head->lost},
         {"from", head->lost_from},
         {"to", head->lost_to},
         {"note",
          "the agent stopped while the disk refused writes: this many records, with times in "
          "this range, were not written"}});
    log_.warn("evidence: the last stop lost " + std::to_string(head->lost) +
              " record(s) to a full disk; recorded the gap");
  }
  for (auto& repair : pending_repairs_)
    write_record(std::move(repair));
  pending_repairs_.clear();
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

void EvidenceLog::open_segment(const std::string& day, int number, const std::string& reason,
                               nlohmann::json first) {
  const std::string name = segment_name(day, number);
  const std::string path = options_.dir + "/" + name;
  // The new file first: when it cannot be created the old one stays open and nothing changes.
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) throw EvidenceError("cannot create " + path + ": " + errno_text());
  if (fd_ >= 0) {
    sync();
    ::close(fd_);
  }
  fd_ = fd;
  const std::string previous = segment_;
  segment_ = name;
  segment_day_ = day;
  segment_number_ = number;
  segment_size_ = 0;
  segment_records_ = 0;
  segment_bytes_.Set(0);
  // A restart that found records missing begins the segment with its gap record instead.
  nlohmann::json open =
      first.is_object() ? std::move(first) : nlohmann::json{{"type", "open"}, {"reason", reason}};
  open["segment"] = segment_;
  open["agent"] = std::string("campus-probe ") + kVersion;
  if (open.value("type", "") == "open") open.update(options_.open_members);
  if (!previous.empty()) open["previous_segment"] = previous;
  write_record(std::move(open));
}

bool EvidenceLog::rotate_if_needed(const std::string& day) {
  if (day == segment_day_ && segment_size_ + buffer_.size() < options_.segment_max_bytes) {
    return true;
  }
  // The seal goes to the old file and the open record to the new one: what is buffered must be
  // on disk before the file changes.
  if (!flush_buffer()) return false;
  // The seal names the segment's count and last hash, so a truncated or swapped segment shows.
  const bool new_day = day != segment_day_;
  write_record({{"type", "seal"},
                {"segment", segment_},
                {"records", segment_records_},
                {"last", prev_hash_}});
  rotation_pending_ = std::make_pair(day, new_day ? 1 : segment_number_ + 1);
  rotation_reason_ = new_day ? "new day" : "size limit";
  if (!flush_buffer()) return false;
  if (!open_pending_segment()) return false;
  if (new_day) apply_retention();
  return true;
}

bool EvidenceLog::open_pending_segment() {
  if (!rotation_pending_) return true;
  try {
    open_segment(rotation_pending_->first, rotation_pending_->second, rotation_reason_);
  } catch (const EvidenceError& e) {
    if (!failing_) log_.error(std::string("evidence: ") + e.what() + "; retrying");
    write_errors_.Increment();
    failing_ = true;
    return false;
  }
  rotation_pending_.reset();
  return true;
}

void EvidenceLog::write_record(nlohmann::json record, bool appended) {
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
  ++segment_records_;
  const std::size_t before = buffer_.size();
  buffer_ += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  buffer_ += '\n';
  buffer_lines_.push_back({buffer_.size() - before, appended, next_seq_, prev_hash_,
                           appended ? record.value("time", "") : std::string()});
  ++next_seq_;
}

bool EvidenceLog::flush_buffer() {
  if (fd_ < 0) return buffer_.empty();
  int error = 0;
  if (torn_on_disk_) {
    // A partial line from an earlier failure is still in the file: nothing may follow it.
    if (::ftruncate(fd_, off_t(segment_size_)) == 0) {
      torn_on_disk_ = false;
    } else {
      error = errno;
    }
  }
  std::size_t done = 0;
  while (error == 0 && done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n == 0 ? EIO : errno;
      break;
    }
    done += std::size_t(n);
  }
  // Whole lines reached the file; a line cut by ENOSPC is cut off again, so that the file never
  // ends in a torn record that verification would call damage.
  std::size_t complete = 0;
  std::size_t lines = 0;
  std::uint64_t appended = 0;
  for (const auto& line : buffer_lines_) {
    if (complete + line.bytes > done) break;
    complete += line.bytes;
    ++lines;
    if (line.appended) ++appended;
  }
  if (complete < done && ::ftruncate(fd_, off_t(segment_size_ + complete)) != 0) {
    torn_on_disk_ = true;
  }
  if (lines > 0) {
    const PendingLine& last = buffer_lines_[lines - 1];
    written_head_ = head_at(last.seq, last.hash, segment_);
    head_seq_.Set(double(last.seq));
    records_.Increment(double(lines));
    buffer_lines_.erase(buffer_lines_.begin(), buffer_lines_.begin() + std::ptrdiff_t(lines));
    buffer_.erase(0, complete);
    segment_size_ += complete;
    dirty_ = true;
  }
  // What the file really holds, not what was meant to go there.
  struct stat st {};
  segment_bytes_.Set(::fstat(fd_, &st) == 0 ? double(st.st_size) : double(segment_size_));
  if (error != 0) {
    write_errors_.Increment();
    if (!failing_) {
      log_.error("evidence: writing " + segment_ + " failed: " + std::strerror(error) + "; " +
                 std::to_string(buffer_lines_.size()) +
                 " record(s) wait and are retried; new records queue up to the backlog limit, "
                 "then are dropped and counted");
    }
    failing_ = true;
  } else if (failing_) {
    log_.warn("evidence: writing " + segment_ + " works again");
    failing_ = false;
  }
  {
    std::lock_guard lock(mutex_);
    written_total_ += appended;
    buffer_bytes_ = buffer_.size();
  }
  if (appended > 0) written_.notify_all();
  return error == 0;
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
  write_head();
}

// The head file names the last record on disk. Written to a temporary file and renamed over the
// old one, so that it is always one whole head or the previous one; after a sync (under the
// `interval` and `always` policies), so that it never names a record the disk may still lose.
void EvidenceLog::write_head() {
  if (!written_head_ || (synced_head_ && synced_head_->seq == written_head_->seq)) return;
  const std::string temp = options_.dir + "/" + kEvidenceHeadTemp;
  const std::string text = nlohmann::json{{"seq", written_head_->seq},
                                          {"hash", written_head_->hash},
                                          {"segment", written_head_->segment}}
                               .dump() +
                           "\n";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  bool ok = fd >= 0 && evidence_write_all(fd, text) &&
            (options_.fsync == FsyncPolicy::never || ::fdatasync(fd) == 0);
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  ok = ok && ::rename(temp.c_str(), (options_.dir + "/" + kEvidenceHeadFile).c_str()) == 0;
  if (!ok) {
    // A full disk: the old head stays, which names an earlier record; tried again next sync.
    ::unlink(temp.c_str());
    return;
  }
  synced_head_ = written_head_;
}

void EvidenceLog::note_lost_in_head(std::uint64_t lost, const std::string& from,
                                    const std::string& to) {
  const std::string path = options_.dir + "/" + kEvidenceHeadFile;
  auto head = read_evidence_head(options_.dir);
  if (synced_head_) head = synced_head_;  // newer than the file only if it was written
  if (!head || head->damaged) return;
  const std::string text =
      nlohmann::json{
          {"seq", head->seq},
          {"hash", head->hash},
          {"segment", head->segment},
          {"lost", lost + head->lost},
          {"lost_from", head->lost_from.empty() ? from : std::min(head->lost_from, from)},
          {"lost_to", std::max(head->lost_to, to)}}
          .dump() +
      "\n";
  // Overwriting the blocks the file already has needs no free space; the head is far smaller
  // than a block. Not atomic, but a damaged head is only ignored (with a warning) on start.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  const bool ok = ::pwrite(fd, text.data(), text.size(), 0) == ssize_t(text.size()) &&
                  ::ftruncate(fd, off_t(text.size())) == 0 && ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok) log_.error("evidence: could not note the lost records in " + path);
}

bool EvidenceLog::append(nlohmann::json record) {
  if (!record.contains("time")) record["time"] = rfc3339_utc(options_.clock());
  // The record's size as it will be written, near enough (seq, prev, hash and mac add ~250).
  const std::size_t bytes =
      record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() + 256;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.queue_capacity ||
        queue_bytes_ + buffer_bytes_ + bytes > options_.backlog_max_bytes) {
      // The disk is full or cannot keep up. The record has no seq yet: what is dropped is said
      // by count and time range in the gap record that follows.
      dropped_.Increment();
      const std::string time = record.value("time", "");
      if (dropped_pending_ == 0) dropped_from_ = dropped_to_ = time;
      if (!std::exchange(drop_logged_, true)) {
        log_.error("evidence: backlog full (" + std::to_string(queue_.size()) + " records, " +
                   std::to_string(queue_bytes_ + buffer_bytes_) +
                   " bytes waiting): the disk is full or cannot keep up; dropping records until "
                   "it drains, and a gap record will say how many");
      }
      dropped_from_ = std::min(dropped_from_, time);
      dropped_to_ = std::max(dropped_to_, time);
      ++dropped_pending_;
      return false;
    }
    queue_.push_back(std::move(record));
    queue_bytes_ += bytes;
    ++queued_total_;
  }
  wake_.notify_one();
  return true;
}

bool EvidenceLog::flush(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = queued_total_;
  wake_.notify_one();
  written_.wait_until(lock, deadline, [&] { return written_total_ >= target || stopping_; });
  return written_total_ >= target;
}

std::uint64_t EvidenceLog::pending() {
  std::lock_guard lock(mutex_);
  return queued_total_ - written_total_;
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
}

void EvidenceLog::retry_writes() {
  if ((!buffer_.empty() || torn_on_disk_) && !flush_buffer()) return;
  if (rotation_pending_) {
    if (!open_pending_segment()) return;  // still failing_, logged once
    flush_buffer();                       // the new segment's open record
  } else {
    failing_ = false;
  }
}

void EvidenceLog::writer_loop() {
  std::deque<nlohmann::json> batch;
  for (;;) {
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      const auto wait = failing_ ? options_.retry_interval
                        : options_.fsync == FsyncPolicy::interval && dirty_
                            ? options_.fsync_interval
                            : Duration(std::chrono::seconds(1));
      wake_.wait_for(lock, wait, [&] {
        return stopping_ || (!failing_ && (!queue_.empty() || dropped_pending_ > 0));
      });
      stop = stopping_;
    }
    // While the disk refuses writes, new records wait in the (bounded) queue, not in buffer_.
    if (failing_) retry_writes();
    std::uint64_t dropped = 0;
    std::string dropped_from, dropped_to;
    if (!failing_) {
      std::lock_guard lock(mutex_);
      batch.swap(queue_);
      queue_bytes_ = 0;
      dropped = std::exchange(dropped_pending_, 0);
      dropped_from = dropped_from_;
      dropped_to = dropped_to_;
    }
    for (auto it = batch.begin(); it != batch.end(); ++it) {
      if (!rotate_if_needed(utc_day(options_.clock()))) {
        // The disk refused the seal or the new segment: the rest waits at the queue's front.
        std::lock_guard lock(mutex_);
        for (auto back = batch.end(); back != it;) {
          --back;
          queue_bytes_ +=
              back->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() + 256;
          queue_.push_front(std::move(*back));
        }
        break;
      }
      write_record(std::move(*it), true);
    }
    batch.clear();
    if (dropped > 0 && !rotation_pending_) {
      // After the records that were queued before the backlog filled up; on disk as soon as the
      // disk takes it.
      write_record({{"type", "gap"},
                    {"reason", "records dropped"},
                    {"dropped", dropped},
                    {"from", dropped_from},
                    {"to", dropped_to},
                    {"note",
                     "the backlog was full (the disk was full or too slow): this many "
                     "records, with times in this range, were not written"}});
    } else if (dropped > 0) {
      // A seal is waiting for its new segment: nothing may follow it in the old one yet.
      std::lock_guard lock(mutex_);
      if (dropped_pending_ == 0) {
        dropped_from_ = dropped_from;
        dropped_to_ = dropped_to;
      }
      dropped_from_ = std::min(dropped_from_, dropped_from);
      dropped_to_ = std::max(dropped_to_, dropped_to);
      dropped_pending_ += dropped;
    }
    if (!failing_) {
      checkpoint_if_due(stop);
      if (!buffer_.empty()) flush_buffer();
    }
    if (!failing_ && buffer_.empty()) {
      // Every gap record is on disk: the next drop is a new episode, logged again.
      std::lock_guard lock(mutex_);
      if (dropped_pending_ == 0) drop_logged_ = false;
    }
    if (!failing_ && buffer_.empty() && signed_unannounced_ && options_.on_signed) {
      options_.on_signed(*signed_unannounced_);
      signed_unannounced_.reset();
    }
    if (!failing_ && (options_.fsync == FsyncPolicy::always ||
                      (options_.fsync == FsyncPolicy::interval &&
                       std::chrono::steady_clock::now() - last_sync_ >= options_.fsync_interval) ||
                      stop)) {
      sync();
    }
    if (options_.fsync == FsyncPolicy::never && !failing_) write_head();
    if (stop) {
      std::uint64_t lost = 0;
      std::string from, to;
      const auto span = [&](const std::string& time) {
        if (time.empty()) return;
        if (from.empty() || time < from) from = time;
        if (time > to) to = time;
      };
      for (const auto& line : buffer_lines_) {
        if (!line.appended) continue;
        ++lost;
        span(line.time);
      }
      std::uint64_t given_up = lost;
      {
        std::lock_guard lock(mutex_);
        for (const auto& record : queue_)
          span(record.value("time", ""));
        given_up += queue_.size();
        written_total_ += given_up;          // nobody may wait for them
        lost = given_up + dropped_pending_;  // dropped earlier, and no gap record said so yet
        if (dropped_pending_ > 0) {
          span(dropped_from_);
          span(dropped_to_);
        }
        dropped_pending_ = 0;
        queue_.clear();
      }
      if (lost > 0) {
        dropped_.Increment(double(given_up));
        log_.error("evidence: stopping while the disk refuses writes: " + std::to_string(lost) +
                   " record(s) could not be written and are lost; the next start continues "
                   "the log from its last record on disk and says so in a gap record");
        note_lost_in_head(lost, from, to);
      }
      written_.notify_all();
      return;
    }
  }
}

}  // namespace campus
