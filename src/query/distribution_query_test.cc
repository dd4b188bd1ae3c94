#include "query/distribution_query.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sightline {
namespace {

constexpr int64_t kNow = 1795806000000;

TEST(DistributionQueryTest, EqualBinsFromZeroTheLastOpen) {
  AggregateSpec spec;
  ASSERT_FALSE(ParseDistributionQuery({{"name", "CLS"}, {"bins", "4"}}, kNow, &spec));
  ASSERT_EQ(spec.stats.size(), 6u);  // four bins, count, samples
  EXPECT_EQ(spec.stats[1].above, 0.25);
  EXPECT_EQ(spec.stats[1].at_most, 0.5);
  EXPECT_TRUE(std::isinf(spec.stats[3].at_most));
  AggregateSpec bad;
  EXPECT_EQ(ParseDistributionQuery({{"name", "LCP"}, {"max", "-1"}}, kNow, &bad)->field, "max");
  EXPECT_EQ(ParseDistributionQuery({{"name", "LCP"}, {"bins", "0"}}, kNow, &bad)->field, "bins");
}

}  // namespace
}  // namespace sightline
