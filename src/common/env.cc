#include "common/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace sightline {
namespace {

Status ErrnoStatus(std::string_view what, const std::string& path) {
  std::string msg(what);
  msg += " ";
  msg += path;
  msg += ": ";
  msg += std::strerror(errno);
  return Status::IOError(std::move(msg));
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

AppendFile::~AppendFile() { ::close(fd_); }

Status AppendFile::Append(std::string_view data) {
  if (!healthy()) {
    return Status::IOError(path_ + (torn_ ? ": an earlier write failed and could not be cut back"
                                          : ": an earlier fdatasync failed"));
  }
  const uint64_t size_before = size_;
  while (!data.empty()) {
    long n = env_->WriteSome(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      Status failed = ErrnoStatus("write", path_);
      if (env_->Truncate(fd_, size_before) == 0) {
        size_ = size_before;
      } else {
        torn_ = true;
      }
      return failed;
    }
    data.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status AppendFile::Sync() {
  if (sync_failed_) return Status::IOError(path_ + ": an earlier fdatasync failed");
  if (env_->DataSync(fd_) != 0) {
    sync_failed_ = true;
    return ErrnoStatus("fdatasync", path_);
  }
  return Status::Ok();
}

RandomAccessFile::~RandomAccessFile() { ::close(fd_); }

Status RandomAccessFile::Read(uint64_t offset, size_t n, std::string* out) const {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("pread", path_);
    }
    if (got == 0) return Status::Corruption(path_ + ": file is shorter than expected");
    done += static_cast<size_t>(got);
  }
  return Status::Ok();
}

Result<std::unique_ptr<RandomAccessFile>> Env::OpenRead(const std::string& path) const {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path);
    return ErrnoStatus("open", path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return ErrnoStatus("stat", path);
  }
  return std::unique_ptr<RandomAccessFile>(
      new RandomAccessFile(fd, path, static_cast<uint64_t>(st.st_size)));
}

Env* Env::Default() {
  static Env env;
  return &env;
}

int64_t Env::NowMillis() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t Env::MonotonicMicros() const {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

Status Env::CreateDirs(const std::string& path) const {
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("mkdir", partial);
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<AppendFile>> Env::OpenAppend(const std::string& path) const {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return ErrnoStatus("stat", path);
  }
  return std::unique_ptr<AppendFile>(
      new AppendFile(this, fd, path, static_cast<uint64_t>(st.st_size)));
}

Status Env::AppendLineDurably(const std::string& path, std::string_view line) const {
  Result<std::unique_ptr<AppendFile>> file = OpenAppend(path);
  if (!file.ok()) return file.status();
  std::string record;
  record.reserve(line.size() + 2);
  if ((*file)->size() > 0) {
    Result<std::unique_ptr<RandomAccessFile>> reader = OpenRead(path);
    if (!reader.ok()) return reader.status();
    std::string last;
    SL_RETURN_IF_ERROR((*reader)->Read((*file)->size() - 1, 1, &last));
    if (last != "\n") record += '\n';
  }
  record.append(line);
  record += '\n';
  SL_RETURN_IF_ERROR((*file)->Append(record));
  return (*file)->Sync();
}

Status Env::WriteFileAtomic(const std::string& path, std::string_view data) const {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open", tmp);
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoStatus("write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());  // a full disk gets its space back
      return s;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) {
    Status s = ErrnoStatus("fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename", tmp);
  return SyncDir(DirName(path));
}

Result<std::string> Env::ReadFile(const std::string& path) const {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path);
    return ErrnoStatus("open", path);
  }
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoStatus("read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<std::vector<std::string>> Env::ListDir(const std::string& dir) const {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::NotFound(dir);
    return ErrnoStatus("opendir", dir);
  }
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(d)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool Env::FileExists(const std::string& path) const { return ::access(path.c_str(), F_OK) == 0; }

Status Env::RemoveFile(const std::string& path) const {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path);
  return Status::Ok();
}

Status Env::TruncateFile(const std::string& path, uint64_t size) const {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) return ErrnoStatus("truncate", path);
  return Status::Ok();
}

long Env::WriteSome(int fd, const char* data, size_t n) const { return ::write(fd, data, n); }

int Env::DataSync(int fd) const { return ::fdatasync(fd); }

int Env::Truncate(int fd, uint64_t size) const { return ::ftruncate(fd, static_cast<off_t>(size)); }

Status Env::SyncDir(const std::string& dir) const {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoStatus("fsync", dir);
  return Status::Ok();
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  out += name;
  return out;
}

}  // namespace sightline
