#include "store/open_file_cache.h"

namespace sightline {

Result<std::shared_ptr<RandomAccessFile>> OpenFileCache::Get(const std::string& path) {
  Result<Handle> handle = Open(path);
  if (!handle.ok()) return handle.status();
  return std::move(handle->file);
}

Result<OpenFileCache::Handle> OpenFileCache::Open(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = files_.find(path);
    if (found != files_.end()) {
      lru_.splice(lru_.begin(), lru_, found->second.lru);
      return Handle{found->second.file, found->second.metadata};
    }
  }
  // Opened outside the lock: another thread's reads go on meanwhile. Two threads may open the
  // same file at once; the second keeps the first's.
  Result<std::unique_ptr<RandomAccessFile>> opened = env_->OpenRead(path);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<RandomAccessFile> file = std::move(opened).value();
  std::lock_guard<std::mutex> lock(mu_);
  ++opens_;
  auto [it, added] = files_.try_emplace(path);
  if (!added) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return Handle{it->second.file, it->second.metadata};
  }
  lru_.push_front(path);
  it->second = Entry{file, nullptr, lru_.begin()};
  while (files_.size() > capacity_ && capacity_ > 0) {
    files_.erase(lru_.back());
    lru_.pop_back();
  }
  return Handle{std::move(file), nullptr};
}

void OpenFileCache::Attach(const std::string& path, const RandomAccessFile* file,
                           std::shared_ptr<const void> metadata) {
  std::lock_guard<std::mutex> lock(mu_);
  auto found = files_.find(path);
  if (found != files_.end() && found->second.file.get() == file) {
    found->second.metadata = std::move(metadata);
  }
}

void OpenFileCache::Forget(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto found = files_.find(path);
  if (found == files_.end()) return;
  lru_.erase(found->second.lru);
  files_.erase(found);
}

size_t OpenFileCache::open_files() const {
  std::lock_guard<std::mutex> lock(mu_);
  return files_.size();
}

uint64_t OpenFileCache::opens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return opens_;
}

}  // namespace sightline
