// DDSketch: a mergeable quantile sketch with a relative-error guarantee (Masson, Rim and Lee,
// "DDSketch: a fast and fully-mergeable quantile sketch with relative-error guarantees", VLDB
// 2019). Values fall into logarithmic bins of ratio gamma = (1 + a) / (1 - a); a bin answers with
// the value that is within relative error `a` of every value in it, so any quantile the sketch
// answers is within `a` of a value of the data whose rank is the exact quantile's. The default
// a = 0.5% keeps the answer within 1% even after bins are collapsed (below).
//
// Weighted: each value carries a weight (1/sample_rate), and Quantile(q) is the weighted
// nearest rank, as the exact aggregation defines it (store/aggregate.h): the smallest value v whose
// bins, up to v, weigh at least q times the total.
//
// Values must be ≥ 0 (vitals and durations); values below kMinIndexable count in a zero bin.
// Memory: at most `max_bins` bins; beyond, the lowest bins are collapsed into one, which keeps the
// guarantee for every quantile above the collapsed share (web vitals are read at p50-p99). A
// vital's range (0.1 ms to 60 s for times, 0.0001 to 10 for CLS) needs about 1,300 bins at a =
// 0.5%.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sightline {

class DDSketch {
 public:
  static constexpr double kDefaultRelativeAccuracy = 0.005;
  static constexpr size_t kDefaultMaxBins = 2048;
  static constexpr double kMinIndexable = 1e-9;

  explicit DDSketch(double relative_accuracy = kDefaultRelativeAccuracy,
                    size_t max_bins = kDefaultMaxBins);

  // Adds `value` (≥ 0; NaN and negative values are ignored) with `weight` (> 0).
  void Add(double value, double weight = 1);
  // Add with the bin index already known: Index(value) of a sketch of the same relative
  // accuracy (adding one value to many sketches computes the logarithm once).
  void Add(double value, double weight, int32_t index);
  int32_t Index(double value) const { return value < kMinIndexable ? 0 : IndexOf(value); }
  // Adds every value of `other`, which must have the same relative accuracy (InvalidArgument).
  Status Merge(const DDSketch& other);
  // The weighted nearest-rank q-quantile, q in [0, 1]; NaN when empty.
  double Quantile(double q) const;

  double count() const { return count_; }        // total weight
  uint64_t samples() const { return samples_; }  // values added
  double sum() const { return sum_; }            // Σ weight · value
  double min() const { return min_; }
  double max() const { return max_; }
  double relative_accuracy() const { return relative_accuracy_; }
  size_t bins() const { return bins_.size(); }
  bool empty() const { return samples_ == 0; }

  // A compact binary form (only non-empty bins); Deserialize reads it back exactly.
  void Serialize(std::string* out) const;
  static Result<DDSketch> Deserialize(std::string_view in);

  bool operator==(const DDSketch& other) const;

 private:
  int32_t IndexOf(double value) const;
  double ValueOf(int32_t index) const;
  // Makes bins_ cover `index`, collapsing the lowest bins when more than max_bins_ are needed.
  void Cover(int32_t index);

  double relative_accuracy_;
  double gamma_;
  double log_gamma_;
  size_t max_bins_;
  std::vector<double> bins_;  // weight per bin; bins_[i] is index offset_ + i
  int32_t offset_ = 0;
  double zero_weight_ = 0;  // values below kMinIndexable
  double count_ = 0, sum_ = 0;
  uint64_t samples_ = 0;
  double min_, max_;
};

}  // namespace sightline
