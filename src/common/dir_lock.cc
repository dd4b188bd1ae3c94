#include "common/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "common/env.h"

namespace sightline {
namespace {

constexpr char kLockName[] = "LOCK";

// What the holder wrote into the lock file: "<pid> <command>", or "" when it cannot be read.
std::string HolderOf(int fd) {
  char buf[128];
  ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return "";
  std::string text(buf, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  size_t space = text.find(' ');
  if (space == std::string::npos) return text.empty() ? "" : "pid " + text;
  return "pid " + text.substr(0, space) + ", " + text.substr(space + 1);
}

}  // namespace

DirLock::~DirLock() { ::close(fd_); }  // closing the descriptor releases the flock

Result<std::unique_ptr<DirLock>> DirLock::Acquire(const std::string& dir, std::string_view command,
                                                  int64_t wait_ms) {
  SL_RETURN_IF_ERROR(Env::Default()->CreateDirs(dir));
  const std::string path = JoinPath(dir, kLockName);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("open " + path + ": " + std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) {
      Status failed = Status::IOError("flock " + path + ": " + std::strerror(errno));
      ::close(fd);
      return failed;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string holder = HolderOf(fd);
      ::close(fd);
      return Status::ResourceExhausted("the data directory " + dir +
                                       " is in use by another sightline process" +
                                       (holder.empty() ? std::string() : " (" + holder + ")") +
                                       "; one process writes a data directory at a time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::unique_ptr<DirLock> lock(new DirLock(fd));
  const std::string holder = std::to_string(::getpid()) + " " + std::string(command) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, holder.data(), holder.size(), 0) != static_cast<ssize_t>(holder.size())) {
    return Status::IOError("write " + path + ": " + std::strerror(errno));
  }
  return lock;
}

}  // namespace sightline
