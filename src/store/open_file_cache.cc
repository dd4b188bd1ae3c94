#include "store/open_file_cache.h"

namespace sightline {

Result<std::shared_ptr<RandomAccessFile>> OpenFileCache::Get(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = files_.find(path);
    if (found != files_.end()) {
      lru_.splice(lru_.begin(), lru_, found->second.lru);
      return found->second.file;
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
    return it->second.file;
  }
  lru_.push_front(path);
  it->second = Entry{std::move(file), lru_.begin()};
  while (files_.size() > capacity_ && capacity_ > 0) {
    files_.erase(lru_.back());
    lru_.pop_back();
  }
  return files_.at(path).file;
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
