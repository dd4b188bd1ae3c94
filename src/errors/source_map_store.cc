#include "errors/source_map_store.h"

#include <simdjson.h>
#include <xxhash.h>

#include <charconv>
#include <cstdio>

#include "common/env.h"
#include "common/json_writer.h"

namespace sightline {
namespace {

constexpr char kIndex[] = "index.jsonl";

// Letters, digits, '-' and '.' as they are, other bytes (and a leading '.') as %XX.
std::string PercentEncodeRelease(std::string_view release) {
  std::string out;
  for (unsigned char c : release) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 (c == '.' && !out.empty()) || c == '-';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

constexpr char kReleaseName[] = "release";  // in a hashed release directory: the release
constexpr size_t kMaxEncodedRelease = 128;  // longer encodings are hashed (names stop at 255)

// A directory name for a release: its percent-encoding, so that "." and ".." name no other
// directory and no release makes a hidden one. An encoding longer than kMaxEncodedRelease is
// replaced by "~" and the XXH3-64 of the release in hex; that directory's `release` file holds the
// release.
std::string EncodeRelease(std::string_view release) {
  if (release.empty()) return "_";
  std::string out = PercentEncodeRelease(release);
  if (out.size() <= kMaxEncodedRelease) return out;
  char hashed[24];
  snprintf(hashed, sizeof hashed, "~%016llx",
           static_cast<unsigned long long>(XXH3_64bits(release.data(), release.size())));
  return hashed;
}

std::string DecodeRelease(std::string_view name) {
  if (name == "_") return {};
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned byte = 0;
    if (name[i] == '%' && i + 2 < name.size() &&
        std::from_chars(name.data() + i + 1, name.data() + i + 3, byte, 16).ptr ==
            name.data() + i + 3) {
      out += static_cast<char>(byte);
      i += 2;
    } else {
      out += name[i];
    }
  }
  return out;
}

}  // namespace

std::string SourceMapStore::KeyOf(std::string_view url) {
  url = UrlWithoutQuery(url);
  if (url.substr(0, 2) == "~/") url.remove_prefix(1);
  if (!url.empty() && url.front() == '/') return std::string(url);
  std::string_view origin = UrlOrigin(url);
  if (origin.empty() || !(url.substr(0, 7) == "http://" || url.substr(0, 8) == "https://")) {
    return {};
  }
  if (url.size() == origin.size()) return {};  // no path
  return std::string(url);
}

Result<std::unique_ptr<SourceMapStore>> SourceMapStore::Open(std::string dir, size_t cache_bytes) {
  Env* env = Env::Default();
  SL_RETURN_IF_ERROR(env->CreateDirs(dir));
  std::unique_ptr<SourceMapStore> store(new SourceMapStore(dir, cache_bytes));
  Result<std::vector<std::string>> projects = env->ListDir(dir);
  if (!projects.ok()) return projects.status();
  for (const std::string& project : *projects) {
    Result<std::vector<std::string>> releases = env->ListDir(JoinPath(dir, project));
    if (!releases.ok()) continue;  // a stray file
    for (const std::string& name : *releases) {
      const std::string release_dir = JoinPath(JoinPath(dir, project), name);
      std::string path = JoinPath(release_dir, kIndex);
      if (!env->FileExists(path)) continue;
      std::string release = DecodeRelease(name);
      if (!name.empty() && name[0] == '~') {
        Result<std::string> stored = env->ReadFile(JoinPath(release_dir, kReleaseName));
        if (!stored.ok()) continue;  // an upload that never finished its directory
        release = std::move(stored).value();
      }
      SL_RETURN_IF_ERROR(store->LoadIndex(project, release, path));
    }
  }
  return store;
}

Status SourceMapStore::LoadIndex(const std::string& project, const std::string& release,
                                 const std::string& path) {
  Result<std::string> text = Env::Default()->ReadFile(path);
  if (!text.ok()) return text.status();
  simdjson::dom::parser parser;
  auto& entries = index_[project][release];
  for (size_t begin = 0; begin < text->size();) {
    size_t end = text->find('\n', begin);
    if (end == std::string::npos) break;  // a torn last line: the upload it recorded failed
    std::string_view line(text->data() + begin, end - begin);
    begin = end + 1;
    simdjson::dom::object o;
    std::string_view url, file;
    int64_t bytes = 0, uploaded = 0;
    if (parser.parse(line.data(), line.size()).get(o) != simdjson::SUCCESS ||
        o["url"].get(url) != simdjson::SUCCESS || o["file"].get(file) != simdjson::SUCCESS) {
      continue;
    }
    if (o["bytes"].get(bytes) != simdjson::SUCCESS) bytes = 0;
    if (o["uploaded_ms"].get(uploaded) != simdjson::SUCCESS) uploaded = 0;
    entries[std::string(url)] = {std::string(url), std::string(file), static_cast<uint64_t>(bytes),
                                 uploaded};
  }
  return Status::Ok();
}

std::string SourceMapStore::ReleaseDir(const std::string& project,
                                       const std::string& release) const {
  return JoinPath(JoinPath(dir_, project), EncodeRelease(release));
}

Status SourceMapStore::Put(const std::string& project, const std::string& release,
                           std::string_view url, std::string_view map, int64_t now_ms,
                           Entry* stored) {
  std::string key = KeyOf(url);
  if (key.empty()) {
    return Status::InvalidArgument(
        "url: must be the bundle's absolute http(s) URL or its path starting with /");
  }
  Result<std::shared_ptr<const SourceMap>> parsed = SourceMap::Parse(map);
  if (!parsed.ok()) return parsed.status();
  Env* env = Env::Default();
  const std::string dir = ReleaseDir(project, release);
  SL_RETURN_IF_ERROR(env->CreateDirs(dir));
  if (EncodeRelease(release)[0] == '~' && !env->FileExists(JoinPath(dir, kReleaseName))) {
    SL_RETURN_IF_ERROR(env->WriteFileAtomic(JoinPath(dir, kReleaseName), release));
  }
  char name[32];
  snprintf(name, sizeof name, "%016llx.map",
           static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())));
  Entry entry{key, name, map.size(), now_ms};
  JsonWriter line;
  line.BeginObject();
  line.Key("url");
  line.String(entry.url);
  line.Key("file");
  line.String(entry.file);
  line.Key("bytes");
  line.Int(static_cast<int64_t>(entry.bytes));
  line.Key("uploaded_ms");
  line.Int(entry.uploaded_ms);
  line.EndObject();
  const std::string text = line.Take();

  std::lock_guard<std::mutex> lock(mu_);  // uploads are rare: one at a time keeps the index whole
  SL_RETURN_IF_ERROR(env->WriteFileAtomic(JoinPath(dir, entry.file), map));
  SL_RETURN_IF_ERROR(env->AppendLineDurably(JoinPath(dir, kIndex), text));
  index_[project][release][key] = entry;
  const std::string cache_key = project + '\0' + release + '\0' + key;
  if (auto it = cache_.find(cache_key); it != cache_.end()) {
    cached_bytes_ -= it->second.map->MemoryBytes();
    lru_.erase(it->second.lru);
    cache_.erase(it);
  }
  if (stored) *stored = entry;
  return Status::Ok();
}

std::vector<SourceMapStore::Entry> SourceMapStore::List(const std::string& project,
                                                        const std::string& release) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Entry> out;
  auto p = index_.find(project);
  if (p == index_.end()) return out;
  auto r = p->second.find(release);
  if (r == p->second.end()) return out;
  for (const auto& [key, entry] : r->second) out.push_back(entry);
  return out;
}

std::shared_ptr<const SourceMap> SourceMapStore::Find(std::string_view project,
                                                      std::string_view release,
                                                      std::string_view script_url) {
  std::string path;
  std::string cache_key;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto p = index_.find(project);
    if (p == index_.end()) return nullptr;
    auto r = p->second.find(std::string(release));
    if (r == p->second.end()) return nullptr;
    std::string key = KeyOf(script_url);
    if (key.empty()) return nullptr;
    auto e = r->second.find(key);
    if (e == r->second.end() && key.front() != '/') {
      key = key.substr(UrlOrigin(key).size());
      e = r->second.find(key);
    }
    if (e == r->second.end()) return nullptr;
    cache_key = std::string(project) + '\0' + std::string(release) + '\0' + key;
    if (auto c = cache_.find(cache_key); c != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, c->second.lru);
      return c->second.map;
    }
    path = JoinPath(ReleaseDir(std::string(project), std::string(release)), e->second.file);
  }
  return Load(cache_key, path);
}

std::shared_ptr<const SourceMap> SourceMapStore::Load(const std::string& cache_key,
                                                      const std::string& path) {
  // Parsed outside the lock: two threads may parse the same map at once, and one copy is kept.
  Result<std::string> text = Env::Default()->ReadFile(path);
  if (!text.ok()) return nullptr;
  Result<std::shared_ptr<const SourceMap>> parsed = SourceMap::Parse(*text);
  if (!parsed.ok()) return nullptr;  // checked at upload: only a damaged file gets here
  std::shared_ptr<const SourceMap> map = *parsed;
  std::lock_guard<std::mutex> lock(mu_);
  ++parses_;
  if (auto c = cache_.find(cache_key); c != cache_.end()) return c->second.map;
  if (map->MemoryBytes() > cache_bytes_) return map;  // used once, not kept
  lru_.push_front(cache_key);
  cache_[cache_key] = {map, lru_.begin()};
  cached_bytes_ += map->MemoryBytes();
  while (cached_bytes_ > cache_bytes_ && !lru_.empty()) {
    auto victim = cache_.find(lru_.back());
    cached_bytes_ -= victim->second.map->MemoryBytes();
    cache_.erase(victim);
    lru_.pop_back();
  }
  return map;
}

size_t SourceMapStore::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cached_bytes_;
}

uint64_t SourceMapStore::parses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return parses_;
}

}  // namespace sightline
