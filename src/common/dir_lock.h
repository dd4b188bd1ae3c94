// DirLock: one writer per data directory. `serve` and `import` hold an exclusive flock(2) on
// <data_dir>/LOCK for as long as they run; the file names the holder ("<pid> <command>") so that
// a refused process can say which one is in the way. The kernel releases the lock when its holder
// exits however it exits (kill -9 included), so a stale LOCK file never blocks anyone.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sightline {

class DirLock {
 public:
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock();  // releases the lock

  // Takes the lock of `dir` (created if missing) for `command` ("serve", "import"), waiting up to
  // `wait_ms` for another holder to let go. Errors: ResourceExhausted naming the holder ("in use by
  // another sightline process (pid 123, serve)") when it is held; IOError.
  static Result<std::unique_ptr<DirLock>> Acquire(const std::string& dir, std::string_view command,
                                                  int64_t wait_ms = 0);

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace sightline
