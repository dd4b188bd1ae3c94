// OpenFileCache: the store's open read-only files, at most `capacity` of them
// (storage.max_open_files): the least recently used is closed when another must open. Segment and
// rollup readers ask it for their file on every read, so a store of any number of segments holds
// a bounded number of descriptors. A file handed out stays open while its caller holds it, even
// once evicted, so a running scan is never cut off.
//
// A reader may attach what it parsed from a file (a segment's footer, a rollup's index) to the
// file's entry: it lives as long as the entry, so the memory that describes a store's files is
// bounded like its descriptors, whatever the number of files, and is parsed again (and checked
// again) when an evicted file is opened anew.
//
// Thread-safe. Cost: one lock and a hash lookup per read (a read is a whole column block).
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/env.h"
#include "common/status.h"

namespace sightline {

class OpenFileCache {
 public:
  OpenFileCache(Env* env, size_t capacity) : env_(env), capacity_(capacity) {}
  OpenFileCache(const OpenFileCache&) = delete;
  OpenFileCache& operator=(const OpenFileCache&) = delete;

  struct Handle {
    std::shared_ptr<RandomAccessFile> file;
    std::shared_ptr<const void> metadata;  // what a reader attached to it; null: nothing yet
  };

  // The open file at `path`. Errors: those of Env::OpenRead.
  Result<std::shared_ptr<RandomAccessFile>> Get(const std::string& path);
  // The open file at `path` and what is attached to it.
  Result<Handle> Open(const std::string& path);
  // Attaches `metadata` to `path`'s entry if it still holds `file` (not evicted or replaced
  // meanwhile; then the caller keeps its copy for its own read only).
  void Attach(const std::string& path, const RandomAccessFile* file,
              std::shared_ptr<const void> metadata);
  // Closes `path` if it is open here (before the file is deleted or replaced).
  void Forget(const std::string& path);
  size_t open_files() const;
  uint64_t opens() const;  // files opened so far: misses

 private:
  struct Entry {
    std::shared_ptr<RandomAccessFile> file;
    std::shared_ptr<const void> metadata;
    std::list<std::string>::iterator lru;
  };
  Env* const env_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> files_;  // GUARDED_BY(mu_)
  std::list<std::string> lru_;                    // GUARDED_BY(mu_): most recent first
  uint64_t opens_ = 0;                            // GUARDED_BY(mu_)
};

}  // namespace sightline
