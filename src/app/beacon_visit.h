// The simulation behind BeaconGenerator: a random source with portable transforms (Draw) and one
// simulated page view (Visit) — who visits which page, over which network, how fast it loads and
// when each event happens. beacon_generator.cc turns a Visit into v1 JSON.
//
// Internal to src/app. Draw borrows the engine it is given and keeps no state of its own, so the
// sequence of beacons depends on the seed alone. Not thread-safe (neither is the engine).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "app/beacon_catalog.h"

namespace sightline::beacon {

namespace cat = beacon_catalog;

inline constexpr double kZ75 = 0.6744897501960817;  // standard normal quantile at 0.75
inline constexpr int64_t kMaxDwellMs = 58000;       // every timestamp lies within a minute of now
inline constexpr std::string_view kIdAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";

// Draws from the engine with our own transforms: the std:: distributions are
// implementation-defined, which would tie "deterministic per seed" to one standard library.
class Draw {
 public:
  explicit Draw(std::mt19937_64* rng) : rng_(rng) {}
  double Uniform() { return static_cast<double>((*rng_)() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  uint64_t Below(uint64_t n) {  // [0, n), Lemire's multiply-shift (bias < n / 2^64)
    return static_cast<uint64_t>((static_cast<unsigned __int128>((*rng_)()) * n) >> 64);
  }
  bool Chance(double p) { return Uniform() < p; }
  double Normal() {  // Box-Muller; the second variate is dropped so Draw keeps no state
    double u1 = 1.0 - Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * Uniform());
  }
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }
  // The log-normal whose 75th percentile is `p75`.
  double LogNormalP75(double p75, double sigma, double z) {
    return p75 * std::exp(sigma * (z - kZ75));
  }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[Below(N)];
  }
  template <typename T, size_t N>
  const T& Weighted(const std::array<T, N>& items) {
    int64_t total = 0;
    for (const T& item : items) total += item.weight;
    auto left = static_cast<int64_t>(Below(total));
    for (const T& item : items) {
      left -= item.weight;
      if (left < 0) return item;
    }
    return items.back();
  }
  std::string Id(size_t len) {  // 6 random bits per character, 10 characters per draw
    std::string id(len, '0');
    uint64_t bits = 0;
    for (size_t char_idx = 0; char_idx < len; ++char_idx, bits >>= 6) {
      if (char_idx % 10 == 0) bits = (*rng_)();
      id[char_idx] = kIdAlphabet[bits & 63];
    }
    return id;
  }
  std::string Hex(size_t words) {  // 16 lowercase hex digits per word, never all zero
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex(16 * words, '0');
    for (size_t word_idx = 0; word_idx < words; ++word_idx) {
      uint64_t bits = (*rng_)() | 1;
      for (size_t digit_idx = 0; digit_idx < 16; ++digit_idx, bits >>= 4) {
        hex[16 * word_idx + digit_idx] = kHex[bits & 15];
      }
    }
    return hex;
  }

 private:
  std::mt19937_64* rng_;
};

// The kinds of event a visit produces, in the order they are written when timestamps tie.
enum class Ev : uint8_t {
  kPageView,
  kTtfb,
  kFcp,
  kLcp,
  kFid,
  kLoadCall,
  kAction,
  kActionCall,
  kExtraAction,
  kCustom,
  kError,
  kInp,
  kCls,
  kFootprint  // the agent's own cost (sightline_footprint), sent as the page is hidden
};

// One event of the timeline. Ties on `ts` break on the kind, so sorting is deterministic.
struct Planned {
  int64_t ts;  // epoch ms
  Ev ev;
  int idx;  // which load call
  bool operator<(const Planned& o) const {
    return ts != o.ts ? ts < o.ts : ev != o.ev ? ev < o.ev : idx < o.idx;
  }
};

// One simulated page view: who, where, how fast and when.
struct Visit {
  const cat::Agent* agent = nullptr;  // these three point into the catalog's constant tables
  const cat::Route* route = nullptr;
  const cat::Release* release = nullptr;
  std::string param;  // the value behind the route's :id / :slug / ?q=
  std::string path;   // path and query string of the page
  bool soft = false;
  bool payment_flow = false;  // the new-payment-flow flag is on: a regression in checkout
  double z = 0;               // latent slowness of device and network, N(0, 1)
  double rtt = 0, downlink = 0;
  std::string_view ect;
  double ttfb = 0, fcp = 0, lcp = 0;  // ms, hard navigations only
  int64_t start = 0;                  // navigation start, epoch ms
  std::array<Planned, 16> plan;       // Plan() adds at most 15 events
  int planned = 0;
  void Add(double offset, Ev ev, int idx = 0) {
    plan[planned++] = {start + static_cast<int64_t>(offset), ev, idx};
  }
};

// Chooses a visit and its timeline (sorted by timestamp) ending at `now_ms`.
Visit PlanVisit(Draw& d, int64_t now_ms);

// The error a visit throws (its Ev::kError): a template drawn by weight, from the release's bundle
// under `site`, with the message and stack worded as the visit's browser words them.
struct ThrownError {
  const cat::ErrorTemplate* error = nullptr;
  std::string_view message;
  std::string file;   // the bundle's URL
  std::string stack;  // V8's format for Chromium, "fn@file:line:col" lines for WebKit and Gecko
};
ThrownError ThrowError(Draw& d, const Visit& v, std::string_view site);

}  // namespace sightline::beacon
