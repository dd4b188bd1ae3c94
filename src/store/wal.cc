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
  SL_RETURN_IF_ERROR(file_->Append(records));
  unsynced_bytes_ += records.size();
  bytes_appended_ += records.size();
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

Result<WalReplayResult> ReplayWalFile(Env* env, const std::string& path,
                                      const std::function<Status(std::string_view)>& fn) {
  Result<std::string> contents = env->ReadFile(path);
  if (!contents.ok()) return contents.status();
  std::string_view in = *contents;
  WalReplayResult result;
  while (!in.empty()) {
    std::string_view record = in;
    uint32_t len, crc;
    if (!GetFixed32(&record, &len) || !GetFixed32(&record, &crc) || len > record.size()) {
      result.torn_tail = true;
      break;
    }
    if (Crc32Extend(Crc32(in.substr(0, 4)), record.substr(0, len)) != crc) {
      result.torn_tail = true;
      break;
    }
    SL_RETURN_IF_ERROR(fn(record.substr(0, len)));
    ++result.records;
    in.remove_prefix(8 + len);
    result.valid_bytes += 8 + len;
  }
  return result;
}

}  // namespace sightline
