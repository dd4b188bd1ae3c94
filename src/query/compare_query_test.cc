#include "query/compare_query.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

TEST(MannWhitneyTest, AgreesWithAHandComputedExample) {
  // a = {1, 2, 3}, b = {4, 5, 6}: every b above every a, U_b = 9 of 9; with n1 = n2 = 3 the
  // normal approximation gives z = (|9 - 4.5| - 0.5) / sqrt(3 * 3 * 7 / 12) = 1.7457, p = 0.0809.
  auto [p, prob] = MannWhitney({1, 2, 3}, {4, 5, 6});
  EXPECT_NEAR(p, 0.08086, 1e-4);
  EXPECT_EQ(prob, 1.0);
  // Ties count half: {1, 2} against {2, 3}: pairs b > a are 3, one tie: (3 + 0.5) / 4.
  EXPECT_DOUBLE_EQ(MannWhitney({1, 2}, {2, 3}).second, 0.875);
}

TEST(MannWhitneyTest, SeesAShiftInLargeSamplesAndNoneInTheSameDistribution) {
  std::vector<double> a, b, c;
  for (int i = 0; i < 2000; ++i) {
    a.push_back(1000 + (i * 7919) % 1000);
    b.push_back(1030 + (i * 7919) % 1000);  // shifted by 3% of the range
    c.push_back(1000 + (i * 104729) % 1000);
  }
  EXPECT_LT(MannWhitney(a, b).first, 0.05);
  EXPECT_GT(MannWhitney(a, b).second, 0.5);
  EXPECT_GT(MannWhitney(a, c).first, 0.5);
  EXPECT_EQ(MannWhitney({}, b).first, 1.0);
}

TEST(TwoProportionTest, MatchesTheTextbookExample) {
  // 45 of 100 against 60 of 100: pooled 0.525, z = -0.15 / 0.070622 = -2.1240, p = 0.03367.
  EXPECT_NEAR(TwoProportionPValue(45, 100, 60, 100), 0.03367, 1e-4);
  EXPECT_EQ(TwoProportionPValue(0, 0, 1, 2), 1.0);
  EXPECT_EQ(TwoProportionPValue(0, 10, 0, 10), 1.0);
}

}  // namespace
}  // namespace sightline
