#include "store/ddsketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "store/aggregate.h"

namespace sightline {
namespace {

struct Weighted {
  std::vector<std::pair<double, double>> values;  // (value, weight), sorted by value
  double total = 0;
  double Quantile(double q) const { return WeightedQuantile(values, total, q); }
};

// LCP-like values (log-normal around 2.2 s) with the weights of three sampling rates.
std::vector<std::pair<double, double>> Lcp(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> lcp(std::log(2200.0), 0.6);
  const double weights[] = {1, 2, 10};
  std::vector<std::pair<double, double>> out;
  for (size_t i = 0; i < n; ++i) out.emplace_back(lcp(rng), weights[rng() % 3]);
  return out;
}

Weighted Exact(std::vector<std::pair<double, double>> values) {
  Weighted w;
  std::sort(values.begin(), values.end());
  for (const auto& [v, weight] : values) w.total += weight;
  w.values = std::move(values);
  return w;
}

void ExpectWithinOnePercent(const DDSketch& sketch, const Weighted& exact) {
  for (double q : {0.5, 0.75, 0.9, 0.95, 0.99}) {
    double want = exact.Quantile(q);
    EXPECT_NEAR(sketch.Quantile(q), want, 0.01 * want) << "q=" << q;
  }
}

TEST(DDSketch, WeightedQuantilesWithinOnePercentOfExact) {
  auto values = Lcp(100000, 1);
  DDSketch sketch;
  for (const auto& [v, w] : values) sketch.Add(v, w);
  Weighted exact = Exact(values);
  ExpectWithinOnePercent(sketch, exact);
  EXPECT_DOUBLE_EQ(sketch.count(), exact.total);
  EXPECT_EQ(sketch.samples(), 100000u);
  EXPECT_LT(sketch.bins(), 1000u);
}

TEST(DDSketch, ZerosAndSmallValuesLikeCls) {
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> shift(std::log(0.05), 1.0);
  std::vector<std::pair<double, double>> values;
  for (int i = 0; i < 50000; ++i) values.emplace_back(rng() % 10 < 4 ? 0.0 : shift(rng), 1);
  DDSketch sketch;
  for (const auto& [v, w] : values) sketch.Add(v, w);
  Weighted exact = Exact(values);
  EXPECT_EQ(sketch.Quantile(0.2), 0);  // 40% of the page views had no shift
  ExpectWithinOnePercent(sketch, exact);
}

TEST(DDSketch, MergeEqualsAddingTheUnion) {
  auto values = Lcp(20000, 3);
  DDSketch a, b, all;
  for (size_t i = 0; i < values.size(); ++i) {
    (i % 3 == 0 ? a : b).Add(values[i].first, values[i].second);
    all.Add(values[i].first, values[i].second);
  }
  ASSERT_TRUE(a.Merge(b).ok());
  EXPECT_EQ(a.samples(), all.samples());
  EXPECT_DOUBLE_EQ(a.count(), all.count());  // integer weights: exact
  EXPECT_NEAR(a.sum(), all.sum(), 1e-9 * all.sum());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (int p = 1; p < 100; ++p) EXPECT_EQ(a.Quantile(p / 100.0), all.Quantile(p / 100.0)) << p;
}

TEST(DDSketch, SerializeRoundTripsExactly) {
  DDSketch sketch;
  for (const auto& [v, w] : Lcp(5000, 4)) sketch.Add(v, w);
  sketch.Add(0, 3);
  std::string bytes;
  sketch.Serialize(&bytes);
  Result<DDSketch> back = DDSketch::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == sketch);
  EXPECT_EQ(back->Quantile(0.75), sketch.Quantile(0.75));
  // Every truncation and a flipped version byte are refused, never misread.
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DDSketch::Deserialize(std::string_view(bytes).substr(0, n)).ok()) << n;
  }
  std::string wrong = bytes;
  wrong[0] = 9;
  EXPECT_FALSE(DDSketch::Deserialize(wrong).ok());
  DDSketch empty;
  std::string empty_bytes;
  empty.Serialize(&empty_bytes);
  ASSERT_TRUE(DDSketch::Deserialize(empty_bytes).ok());
  EXPECT_TRUE(std::isnan(DDSketch::Deserialize(empty_bytes)->Quantile(0.5)));
}

TEST(DDSketch, BinsAreBoundedAndHighQuantilesKeepTheirAccuracy) {
  // Values over twelve orders of magnitude, 128 bins at most: the lowest collapse.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> exponent(-6, 6);
  std::vector<std::pair<double, double>> values;
  for (int i = 0; i < 50000; ++i) values.emplace_back(std::pow(10, exponent(rng)), 1);
  DDSketch sketch(DDSketch::kDefaultRelativeAccuracy, 128);
  for (const auto& [v, w] : values) sketch.Add(v, w);
  EXPECT_LE(sketch.bins(), 128u);
  Weighted exact = Exact(values);
  for (double q : {0.99, 0.999}) {
    EXPECT_NEAR(sketch.Quantile(q), exact.Quantile(q), 0.01 * exact.Quantile(q)) << q;
  }
}

TEST(DDSketch, IgnoresWhatItCannotHoldAndRefusesOtherAccuracies) {
  DDSketch sketch;
  sketch.Add(-1);
  sketch.Add(std::nan(""));
  sketch.Add(5, 0);
  EXPECT_TRUE(sketch.empty());
  DDSketch coarse(0.02);
  coarse.Add(1);
  EXPECT_FALSE(sketch.Merge(coarse).ok());
}

}  // namespace
}  // namespace sightline
