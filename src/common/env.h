// Env: the process's window on the outside world — wall clock and filesystem.
//
// Every component receives an Env* at construction instead of calling the OS directly, so tests can
// substitute the clock (see ManualClockEnv in env_test_util.h). Env::Default() is the POSIX
// implementation; it is thread-safe and lives for the whole process.
//
// Errors: every filesystem call returns Status::IOError naming the path and errno's text.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sightline {

class Env;

// A file opened for appending. Not thread-safe: one writer at a time.
//
// A write that fails part-way (a full disk, a file-size limit) is cut back to where it started,
// so that the next append never lands after a torn record. When the cut fails too, or after a
// failed Sync() (whose lost pages the kernel may later report as synced), the file is unusable:
// healthy() turns false and every later Append() fails, so the owner moves on to another file.
class AppendFile {
 public:
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  ~AppendFile();

  // Writes all of `data` to the OS (survives a crash of this process, not of the machine), or
  // nothing. Errors: IOError.
  Status Append(std::string_view data);
  // Forces written data to stable storage (fdatasync). Errors: IOError, and the file is then
  // unhealthy.
  Status Sync();
  bool healthy() const { return !torn_ && !sync_failed_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  friend class Env;
  AppendFile(const Env* env, int fd, std::string path, uint64_t size)
      : env_(env), fd_(fd), path_(std::move(path)), size_(size) {}
  const Env* env_;
  int fd_;
  std::string path_;
  uint64_t size_;
  // Atomic: Sync() may run on another thread than Append() (the WAL's group commit).
  std::atomic<bool> torn_{false};         // a failed write could not be cut back
  std::atomic<bool> sync_failed_{false};  // an fdatasync failed: what reached the disk is unknown
};

// A file opened for positional reads. Thread-safe (pread).
class RandomAccessFile {
 public:
  RandomAccessFile(const RandomAccessFile&) = delete;
  RandomAccessFile& operator=(const RandomAccessFile&) = delete;
  ~RandomAccessFile();

  // Reads exactly `n` bytes at `offset` into `out`. Errors: IOError, Corruption if the file is
  // shorter than offset + n.
  Status Read(uint64_t offset, size_t n, std::string* out) const;
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  friend class Env;
  RandomAccessFile(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  int fd_;
  std::string path_;
  uint64_t size_;
};

class Env {
 public:
  virtual ~Env() = default;
  static Env* Default();

  // Milliseconds since the Unix epoch, UTC.
  virtual int64_t NowMillis() const;
  // Microseconds of a monotonic clock, for durations.
  virtual int64_t MonotonicMicros() const;

  Status CreateDirs(const std::string& path) const;
  // Opens (creating if needed) `path` for appending at its end.
  Result<std::unique_ptr<AppendFile>> OpenAppend(const std::string& path) const;
  Result<std::unique_ptr<RandomAccessFile>> OpenRead(const std::string& path) const;
  // Appends `line` and a newline to the line-per-record file `path` (created if missing) and
  // fsyncs it. A torn last line (a crash mid-append) is ended first, so that it never swallows the
  // new line: readers skip lines that do not parse. Not thread-safe per path.
  Status AppendLineDurably(const std::string& path, std::string_view line) const;
  // Replaces `path` atomically: write a temporary beside it, fsync, rename, fsync the directory.
  Status WriteFileAtomic(const std::string& path, std::string_view data) const;
  Result<std::string> ReadFile(const std::string& path) const;
  // Names (not paths) of the entries of `dir`, sorted; "." and ".." excluded.
  Result<std::vector<std::string>> ListDir(const std::string& dir) const;
  bool FileExists(const std::string& path) const;
  Status RemoveFile(const std::string& path) const;
  Status TruncateFile(const std::string& path, uint64_t size) const;
  Status SyncDir(const std::string& dir) const;

  // The system calls behind AppendFile, virtual so that a test can make them fail. They return
  // what the system call does and set errno.
  virtual long WriteSome(int fd, const char* data, size_t n) const;
  virtual int DataSync(int fd) const;
  virtual int Truncate(int fd, uint64_t size) const;
};

// An Env whose wall clock is set by the test.
class ManualClockEnv : public Env {
 public:
  explicit ManualClockEnv(int64_t now_millis) : now_millis_(now_millis) {}
  int64_t NowMillis() const override { return now_millis_; }
  void SetNowMillis(int64_t now) { now_millis_ = now; }

 private:
  int64_t now_millis_;
};

std::string JoinPath(std::string_view dir, std::string_view name);

}  // namespace sightline
