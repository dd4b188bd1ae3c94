// Admission: who may send a beacon — key lookup, origin check, and rate limits.
//
// Keys resolve to projects; a browser's Origin must match the project's allowed_origins
// ("https://a.example", "https://*.a.example" for any subdomain depth, "http://localhost:*" for
// any port; an empty list allows any origin; a request without Origin — a server, curl — is
// allowed). Token buckets limit beacons per client address and per key; their capacity is one
// second's worth of the rate. Client addresses live only in the buckets' memory, never on disk or
// in logs, and idle buckets are dropped by Sweep().
// Thread-safe: the I/O threads share one instance (the buckets behind a mutex, taken only when a
// rate limit is configured).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/config.h"

namespace sightline {

// True when `origin` (scheme://host[:port]) matches `pattern` as described above.
bool OriginMatches(std::string_view pattern, std::string_view origin);

class TokenBucket {
 public:
  // Takes one token at `now_us`; returns 0 on success, else the microseconds until one is
  // available.
  int64_t Take(double rate_per_second, int64_t now_us);
  // Adds the tokens earned since the last call; returns what Take would, without taking.
  int64_t Refill(double rate_per_second, int64_t now_us);
  int64_t last_us() const { return last_us_; }

 private:
  double tokens_ = -1;  // negative: not yet initialised (starts full)
  int64_t last_us_ = 0;
};

class Admission {
 public:
  Admission(const std::vector<ProjectConfig>& projects, const LimitsConfig& limits);

  // The project an ingest key belongs to, or nullptr.
  const ProjectConfig* ProjectForKey(std::string_view key) const;
  // Whether a browser at `origin` may send to `project` ("" origin: not a browser, allowed).
  static bool OriginAllowed(const ProjectConfig& project, std::string_view origin);
  // Whether any project allows `origin` (for preflights that carry no key).
  bool AnyProjectAllows(std::string_view origin) const;

  // Takes a token from the client's and the key's bucket. `client` is the address bytes (4 for
  // IPv4, 16 for IPv6; an IPv6 client's bucket is its /64). Returns 0 when admitted, else the
  // seconds (>= 1) the client should wait (for Retry-After).
  int64_t TakeRateToken(std::string_view client, std::string_view key, int64_t now_us);
  // Drops buckets idle for more than a minute. O(buckets); call from a timer.
  void Sweep(int64_t now_us);
  size_t client_buckets() const;

 private:
  std::vector<ProjectConfig> projects_;
  std::unordered_map<std::string, size_t> project_by_key_;
  LimitsConfig limits_;
  mutable std::mutex mu_;  // guards the buckets
  std::unordered_map<std::string, TokenBucket> per_client_;
  std::unordered_map<std::string, TokenBucket> per_key_;
};

}  // namespace sightline
