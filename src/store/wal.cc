#include "store/wal.h"

#include <charconv>
#include <cstdio>
#include <cstring>

#include "store/coding.h"

namespace sightline {

std::string Wal::FileName(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "wal-%010llu.log", static_cast<unsigned long long>(seq));
  return buf;
}

bool Wal::ParseFileName(std::string_view name, uint64_t* seq) {
  if (name.size() < 9 || name.substr(0, 4) != "wal-" || name.substr(name.size() - 4) != ".log") {
    return false;
  }
  std::string_view digits = name.substr(4, name.size() - 8);
  auto res = std::from_chars(digits.data(), digits.data() + digits.size(), *seq);
  return res.ec == std::errc() && res.ptr == digits.data() + digits.size();
}

Result<std::unique_ptr<Wal>> Wal::Open(Env* env, std::string dir, uint64_t seq) {
  std::unique_ptr<Wal> wal(new Wal(env, std::move(dir)));
  Result<std::unique_ptr<AppendFile>> file = env->OpenAppend(JoinPath(wal->dir_, FileName(seq)));
  if (!file.ok()) return file.status();
  wal->file_ = std::move(file).value();
  wal->seq_ = seq;
  SL_RETURN_IF_ERROR(env->SyncDir(wal->dir_));
  return wal;
}

void Wal::FrameInPlace(std::string* out, size_t header_at) {
  std::string_view payload = std::string_view(*out).substr(header_at + kFrameHeaderBytes);
  char length[4];
  const auto size = static_cast<uint32_t>(payload.size());
  std::memcpy(length, &size, 4);  // little-endian, as PutFixed32
  const uint32_t crc = Crc32Extend(Crc32(std::string_view(length, 4)), payload);
  std::memcpy(out->data() + header_at, length, 4);
  std::memcpy(out->data() + header_at + 4, &crc, 4);
}

size_t Wal::Frame(std::string_view payload, std::string* out) {
  std::string header;
  PutFixed32(&header, static_cast<uint32_t>(payload.size()));
  uint32_t crc = Crc32Extend(Crc32(header), payload);
  PutFixed32(&header, crc);
  out->append(header);
  size_t offset = out->size();
  out->append(payload);
  return offset;
}

Status Wal::Append(std::string_view payload) {
  std::string record;
  record.reserve(payload.size() + 8);
  Frame(payload, &record);
  return AppendFramed(record);
}

Status Wal::AppendFramed(std::string_view records) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!file_->healthy()) SL_RETURN_IF_ERROR(ReplaceUnhealthyFileLocked());
  SL_RETURN_IF_ERROR(file_->Append(records));
  unsynced_bytes_ += records.size();
  bytes_appended_ += records.size();
  return Status::Ok();
}

Status Wal::ReplaceUnhealthyFileLocked() {
  Result<std::unique_ptr<AppendFile>> next = env_->OpenAppend(JoinPath(dir_, FileName(seq_ + 1)));
  if (!next.ok()) return next.status();
  SL_RETURN_IF_ERROR(env_->SyncDir(dir_));
  file_ = std::move(next).value();
  ++seq_;
  unsynced_bytes_ = 0;
  ++replaced_files_;
  return Status::Ok();
}

Status Wal::Sync(bool* synced) {
  std::shared_ptr<AppendFile> file;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (synced) *synced = unsynced_bytes_ > 0;
    if (unsynced_bytes_ == 0) return Status::Ok();
    unsynced_bytes_ = 0;
    file = file_;
  }
  // A failure leaves the file unhealthy: the next append moves on to a new file, and the records
  // in this one are durable only once a flush has put them in segments.
  return file->Sync();
}

Result<Wal::Switched> Wal::Switch() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<std::unique_ptr<AppendFile>> next = env_->OpenAppend(JoinPath(dir_, FileName(seq_ + 1)));
  if (!next.ok()) return next.status();
  Switched switched{seq_ + 1, std::move(file_)};
  file_ = std::move(next).value();
  ++seq_;
  unsynced_bytes_ = 0;  // the previous file's are synced by CompleteSwitch
  return switched;
}

Status Wal::CompleteSwitch(const Switched& switched) {
  SL_RETURN_IF_ERROR(switched.previous->Sync());
  return env_->SyncDir(dir_);
}

Result<uint64_t> Wal::Rotate() {
  Result<Switched> switched = Switch();
  if (!switched.ok()) return switched.status();
  SL_RETURN_IF_ERROR(CompleteSwitch(*switched));
  return switched->seq;
}

uint64_t Wal::current_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seq_;
}

uint64_t Wal::bytes_appended() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_appended_;
}

uint64_t Wal::replaced_files() const {
  std::lock_guard<std::mutex> lock(mu_);
  return replaced_files_;
}

namespace {

// Whether `pos` could start a record: the file ends there, or a length that fits follows.
bool PlausibleStart(std::string_view in, size_t pos) {
  if (pos == in.size()) return true;
  std::string_view header = in.substr(pos);
  uint32_t len;
  return GetFixed32(&header, &len) && header.size() >= 4 + uint64_t{len};
}

// Whether a whole record with a valid checksum starts at `pos` of `in`; its payload's length in
// `len`. While resynchronising after bad bytes, a candidate must also be followed by a plausible
// start before its checksum is computed, so that garbage rarely costs a checksum over a long
// false length (which would make skipping a torn record quadratic in its size).
bool RecordAt(std::string_view in, size_t pos, uint32_t* len, bool resyncing) {
  std::string_view header = in.substr(pos);
  uint32_t crc;
  if (!GetFixed32(&header, len) || !GetFixed32(&header, &crc) || *len > header.size()) {
    return false;
  }
  if (resyncing && !PlausibleStart(in, pos + 8 + *len)) return false;
  return Crc32Extend(Crc32(in.substr(pos, 4)), header.substr(0, *len)) == crc;
}

}  // namespace

Result<WalReplayResult> ReplayWalFile(Env* env, const std::string& path,
                                      const std::function<Status(std::string_view)>& fn) {
  Result<std::string> contents = env->ReadFile(path);
  if (!contents.ok()) return contents.status();
  const std::string_view in = *contents;
  WalReplayResult result;
  size_t pos = 0;
  size_t skipped_from = std::string_view::npos;  // start of the bad bytes being skipped
  while (pos < in.size()) {
    uint32_t len;
    if (!RecordAt(in, pos, &len, /*resyncing=*/skipped_from != std::string_view::npos)) {
      if (skipped_from == std::string_view::npos) skipped_from = pos;
      ++pos;
      continue;
    }
    if (skipped_from != std::string_view::npos) {
      ++result.skipped_regions;
      result.skipped_bytes += pos - skipped_from;
      skipped_from = std::string_view::npos;
    }
    SL_RETURN_IF_ERROR(fn(in.substr(pos + 8, len)));
    ++result.records;
    pos += 8 + len;
  }
  if (skipped_from != std::string_view::npos) {
    result.torn_tail = true;
    result.skipped_bytes += in.size() - skipped_from;
  }
  return result;
}

}  // namespace sightline
