// LatencyHistogram: counts of durations in microseconds in log-linear buckets (as HdrHistogram
// does), so a run of any length keeps 64 KiB and quantiles stay within 0.4% of the exact value.
//
// Values below 128 µs are counted exactly; above, each power of two is split into 128 buckets and a
// quantile is reported as its bucket's midpoint (clamped to the exact maximum). Not thread-safe.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

namespace sightline {

class LatencyHistogram {
 public:
  LatencyHistogram() : counts_(kBuckets, 0) {}

  void Record(uint64_t micros) {
    ++counts_[Index(micros)];
    ++count_;
    max_ = std::max(max_, micros);
  }
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }

  // The q-quantile (0 < q <= 1) in microseconds by nearest rank; 0 when empty.
  double Quantile(double q) const {
    if (count_ == 0) return 0;
    auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (size_t bucket_idx = 0; bucket_idx < counts_.size(); ++bucket_idx) {
      seen += counts_[bucket_idx];
      if (seen >= rank) return std::min(Midpoint(bucket_idx), static_cast<double>(max_));
    }
    return static_cast<double>(max_);
  }

 private:
  static constexpr int kSubBits = 7;  // 128 buckets per power of two
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  static constexpr size_t kBuckets = (64 - kSubBits + 1) * kSub;

  static size_t Index(uint64_t v) {
    if (v < kSub) return v;
    int shift = std::bit_width(v) - 1 - kSubBits;  // >= 0
    return (shift + 1) * kSub + ((v >> shift) - kSub);
  }
  static double Midpoint(size_t idx) {
    if (idx < kSub) return static_cast<double>(idx);
    int shift = static_cast<int>(idx / kSub) - 1;
    double low = std::ldexp(static_cast<double>(idx % kSub + kSub), shift);
    return low + std::ldexp(0.5, shift) - (shift == 0 ? 0.5 : 0);
  }

  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace sightline
