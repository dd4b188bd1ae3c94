// SourceMapStore: uploaded source maps, per project and release, keyed by the bundle's URL; the
// parsed maps cached in memory within a byte bound.
//
// On disk (the data directory's sourcemaps/): sourcemaps/<project>/<release>/ holds each map as
// <XXH3-64 of its key>.map and index.jsonl, one {"url", "file", "bytes", "uploaded_ms"} line per
// upload (a later line for the same URL replaces the earlier one). <release> is the release
// percent-encoded ("_" for none). A map is written to a temporary file and renamed, then its index
// line appended, so a crash leaves the previous state or the new one.
//
// Keys: a bundle URL without query or fragment ("https://cdn.example/app.js"), or a path
// ("/static/app.js", also written "~/static/app.js") that matches the file on any origin. A
// script is looked up by its URL first, then by its path.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "errors/error_grouping.h"
#include "errors/source_map.h"

namespace sightline {

class SourceMapStore : public SourceMapResolver {
 public:
  struct Entry {
    std::string url;   // the key: a URL without query, or a path starting with '/'
    std::string file;  // the map's file name in the release's directory
    uint64_t bytes = 0;
    int64_t uploaded_ms = 0;
  };

  // Reads the index under `dir` (created when missing). Errors: IOError.
  static Result<std::unique_ptr<SourceMapStore>> Open(std::string dir, size_t cache_bytes);

  // Parses `map` (InvalidArgument naming the problem when it is malformed, and nothing stored),
  // then stores it for the bundle at `url`, replacing an earlier upload of the same key.
  // Errors: InvalidArgument (also for a `url` that is neither an absolute URL nor a path),
  // IOError.
  Status Put(const std::string& project, const std::string& release, std::string_view url,
             std::string_view map, int64_t now_ms, Entry* stored = nullptr);

  std::shared_ptr<const SourceMap> Find(std::string_view project, std::string_view release,
                                        std::string_view script_url) override;

  // The maps of a release, by key.
  std::vector<Entry> List(const std::string& project, const std::string& release) const;

  // The key `url` is stored under, or "" when it is not an absolute http(s) URL or a path.
  static std::string KeyOf(std::string_view url);

  // Cache figures, for /metrics.
  size_t cached_bytes() const;
  uint64_t parses() const;

 private:
  SourceMapStore(std::string dir, size_t cache_bytes)
      : dir_(std::move(dir)), cache_bytes_(cache_bytes) {}
  std::string ReleaseDir(const std::string& project, const std::string& release) const;
  Status LoadIndex(const std::string& project, const std::string& release, const std::string& path);
  std::shared_ptr<const SourceMap> Load(const std::string& cache_key, const std::string& path);

  const std::string dir_;
  const size_t cache_bytes_;
  mutable std::mutex mu_;
  // project → release → key → entry
  std::map<std::string, std::map<std::string, std::map<std::string, Entry>>, std::less<>> index_;
  struct Cached {
    std::shared_ptr<const SourceMap> map;
    std::list<std::string>::iterator lru;
  };
  std::unordered_map<std::string, Cached> cache_;
  std::list<std::string> lru_;  // most recent first
  size_t cached_bytes_ = 0;
  uint64_t parses_ = 0;
};

}  // namespace sightline
