// BeaconGenerator: realistic v1 beacons (docs/protocol.md) for load tests and benchmarks.
//
// Each beacon is one page view of a simulated visit: ~10 events, about 1-2 KB of JSON. Vitals
// follow realistic log-normal distributions (LCP p75 near 2.5 s on mobile and 1.8 s on desktop),
// routes, releases, user tiers, flags and network types vary, and a realistic mix of real browser
// user-agent strings is offered through user_agent(). Deterministic for a given seed.
// Not thread-safe: one generator per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace sightline {

class BeaconGenerator {
 public:
  explicit BeaconGenerator(uint64_t seed);

  // A beacon whose event timestamps lie just before `now_ms`, authenticated by `key`.
  std::string Next(int64_t now_ms, std::string_view key);
  // The user agent of the visit that the last Next() produced (send it as User-Agent).
  const std::string& user_agent() const { return user_agent_; }

 private:
  std::mt19937_64 rng_;
  std::string user_agent_;
};

}  // namespace sightline
