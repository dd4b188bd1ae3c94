#include "store/ddsketch.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "store/coding.h"

namespace sightline {
namespace {

constexpr uint8_t kFormatVersion = 2;

}  // namespace

DDSketch::DDSketch(double relative_accuracy, size_t max_bins)
    : relative_accuracy_(relative_accuracy),
      gamma_((1 + relative_accuracy) / (1 - relative_accuracy)),
      log_gamma_(std::log(gamma_)),
      max_bins_(std::max<size_t>(max_bins, 2)),
      min_(std::numeric_limits<double>::infinity()),
      max_(-std::numeric_limits<double>::infinity()) {}

int32_t DDSketch::IndexOf(double value) const {
  return static_cast<int32_t>(std::ceil(std::log(value) / log_gamma_));
}

double DDSketch::ValueOf(int32_t index) const {
  // The bin (gamma^(i-1), gamma^i] answers with the value at relative distance `a` from both ends.
  return 2 * std::pow(gamma_, index) / (gamma_ + 1);
}

void DDSketch::Cover(int32_t index) {
  if (bins_.empty()) {
    bins_.assign(1, 0);
    offset_ = index;
    return;
  }
  const int32_t last = offset_ + static_cast<int32_t>(bins_.size()) - 1;
  if (index >= offset_ && index <= last) return;
  const int32_t low = std::min(index, offset_);
  const int32_t high = std::max(index, last);
  const size_t needed = static_cast<size_t>(high - low) + 1;
  if (needed <= max_bins_) {
    if (index < offset_) bins_.insert(bins_.begin(), static_cast<size_t>(offset_ - index), 0);
    if (index > last) bins_.resize(needed, 0);
    offset_ = low;
    return;
  }
  // Too wide: keep the highest max_bins_ indexes; everything below folds into the lowest kept.
  const int32_t new_offset = high - static_cast<int32_t>(max_bins_) + 1;
  std::vector<double> kept(max_bins_, 0);
  for (size_t i = 0; i < bins_.size(); ++i) {
    const int32_t at = std::max(offset_ + static_cast<int32_t>(i), new_offset);
    kept[static_cast<size_t>(at - new_offset)] += bins_[i];
  }
  bins_ = std::move(kept);
  offset_ = new_offset;
}

void DDSketch::Add(double value, double weight) {
  if (!(value >= 0) || !(weight > 0) || !std::isfinite(value) || !std::isfinite(weight)) return;
  Add(value, weight, value < kMinIndexable ? 0 : IndexOf(value));
}

void DDSketch::Add(double value, double weight, int32_t index) {
  if (!(value >= 0) || !(weight > 0) || !std::isfinite(value) || !std::isfinite(weight)) return;
  if (value < kMinIndexable) {
    zero_weight_ += weight;
  } else {
    Cover(index);
    index = std::max(index, offset_);  // a collapsed low bin takes the value
    bins_[static_cast<size_t>(index - offset_)] += weight;
  }
  count_ += weight;
  sum_ += weight * value;
  ++samples_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

Status DDSketch::Merge(const DDSketch& other) {
  if (other.relative_accuracy_ != relative_accuracy_) {
    return Status::InvalidArgument("cannot merge sketches of different relative accuracy");
  }
  if (other.empty()) return Status::Ok();
  if (!other.bins_.empty()) {
    Cover(other.offset_);
    Cover(other.offset_ + static_cast<int32_t>(other.bins_.size()) - 1);
    for (size_t i = 0; i < other.bins_.size(); ++i) {
      if (other.bins_[i] == 0) continue;
      const int32_t index = std::max(other.offset_ + static_cast<int32_t>(i), offset_);
      bins_[static_cast<size_t>(index - offset_)] += other.bins_[i];
    }
  }
  zero_weight_ += other.zero_weight_;
  count_ += other.count_;
  sum_ += other.sum_;
  samples_ += other.samples_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  return Status::Ok();
}

double DDSketch::Quantile(double q) const {
  if (empty()) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * count_;
  double seen = zero_weight_;
  if (seen > 0 && seen >= rank) return std::max(min_, 0.0);
  for (size_t i = 0; i < bins_.size(); ++i) {
    if (bins_[i] == 0) continue;
    seen += bins_[i];
    if (seen >= rank) {
      return std::clamp(ValueOf(offset_ + static_cast<int32_t>(i)), min_, max_);
    }
  }
  return max_;  // rounding left the last bin a hair short of the total
}

void DDSketch::Serialize(std::string* out) const {
  out->push_back(static_cast<char>(kFormatVersion));
  PutDouble(out, relative_accuracy_);
  PutVarint64(out, max_bins_);
  PutVarint64(out, samples_);
  PutNumber(out, count_);
  PutDouble(out, sum_);
  PutDouble(out, min_);
  PutDouble(out, max_);
  PutNumber(out, zero_weight_);
  PutVarint64(out, ZigZag(offset_));
  size_t nonzero = 0;
  for (double w : bins_) nonzero += w != 0;
  PutVarint64(out, nonzero);
  size_t previous = 0;
  for (size_t i = 0; i < bins_.size(); ++i) {
    if (bins_[i] == 0) continue;
    PutVarint64(out, i - previous);  // gap from the previous non-empty bin
    PutNumber(out, bins_[i]);
    previous = i;
  }
}

Result<DDSketch> DDSketch::Deserialize(std::string_view in) {
  auto corrupt = [] { return Status::Corruption("not a DDSketch"); };
  if (in.empty() || static_cast<uint8_t>(in[0]) != kFormatVersion) return corrupt();
  in.remove_prefix(1);
  double accuracy, count, sum, min, max, zero;
  uint64_t max_bins, samples, offset, nonzero;
  if (!GetDouble(&in, &accuracy) || !(accuracy > 0 && accuracy < 1) ||
      !GetVarint64(&in, &max_bins) || max_bins < 2 || max_bins > (1u << 20) ||
      !GetVarint64(&in, &samples) || !GetNumber(&in, &count) || !GetDouble(&in, &sum) ||
      !GetDouble(&in, &min) || !GetDouble(&in, &max) || !GetNumber(&in, &zero) ||
      !GetVarint64(&in, &offset) || !GetVarint64(&in, &nonzero) || nonzero > max_bins ||
      nonzero > in.size() / 2) {
    return corrupt();
  }
  auto weight_ok = [](double w) { return std::isfinite(w) && w >= 0; };
  const bool range_ok = samples == 0
                            ? (std::isinf(min) && std::isinf(max))
                            : (std::isfinite(min) && std::isfinite(max) && min >= 0 && min <= max);
  if (!weight_ok(count) || !weight_ok(sum) || !weight_ok(zero) || !range_ok) return corrupt();
  DDSketch sketch(accuracy, static_cast<size_t>(max_bins));
  const int64_t first = UnZigZag(offset);
  if (first < std::numeric_limits<int32_t>::min() / 2 ||
      first > std::numeric_limits<int32_t>::max() / 2) {
    return corrupt();
  }
  sketch.offset_ = static_cast<int32_t>(first);
  size_t at = 0;
  for (uint64_t n = 0; n < nonzero; ++n) {
    uint64_t gap;
    double weight;
    if (!GetVarint64(&in, &gap) || !GetNumber(&in, &weight) || !(weight > 0) ||
        !std::isfinite(weight) || gap >= max_bins || (n > 0 && gap == 0)) {
      return corrupt();
    }
    at += static_cast<size_t>(gap);
    if (at >= max_bins) return corrupt();
    sketch.bins_.resize(at + 1, 0);
    sketch.bins_[at] = weight;
  }
  if (!in.empty()) return corrupt();
  sketch.samples_ = samples;
  sketch.count_ = count;
  sketch.sum_ = sum;
  sketch.min_ = min;
  sketch.max_ = max;
  sketch.zero_weight_ = zero;
  return sketch;
}

bool DDSketch::operator==(const DDSketch& other) const {
  auto trimmed = [](const DDSketch& s) {
    // Bins as (index, weight) of the non-empty ones: equal sketches may differ in empty padding.
    std::vector<std::pair<int32_t, double>> out;
    for (size_t i = 0; i < s.bins_.size(); ++i) {
      if (s.bins_[i] != 0) out.emplace_back(s.offset_ + static_cast<int32_t>(i), s.bins_[i]);
    }
    return out;
  };
  return relative_accuracy_ == other.relative_accuracy_ && samples_ == other.samples_ &&
         count_ == other.count_ && sum_ == other.sum_ && min_ == other.min_ && max_ == other.max_ &&
         zero_weight_ == other.zero_weight_ && trimmed(*this) == trimmed(other);
}

}  // namespace sightline
