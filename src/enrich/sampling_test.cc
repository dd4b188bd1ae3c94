#include "enrich/sampling.h"

#include <gtest/gtest.h>

#include "common/event.h"

namespace sightline {
namespace {

SamplingConfig SeedRules() {
  // The seed's samplingConfig.
  SamplingConfig s;
  s.sample_rate = 0.2;
  s.by_region = {{"US", 0.1}, {"EU", 0.1}, {"APAC", 0.3}, {"LATAM", 0.3}};
  s.by_user_tier = {{"enterprise", 1.0}, {"paid", 0.5}};
  s.by_feature_flag = {{"beta-checkout-flow", 1.0}};
  return s;
}

TEST(SessionSampleRate, RegionReplacesTheDefaultAndTheMostGenerousRuleWins) {
  const SamplingConfig rules = SeedRules();
  EXPECT_DOUBLE_EQ(SessionSampleRate(rules, "", "", "", ""), 0.2);
  EXPECT_DOUBLE_EQ(SessionSampleRate(rules, "US", "NA", "", ""), 0.1);  // the country first
  EXPECT_DOUBLE_EQ(SessionSampleRate(rules, "DE", "EU", "", ""), 0.1);  // then the region
  EXPECT_DOUBLE_EQ(SessionSampleRate(rules, "IN", "APAC", "free", ""), 0.3);
  EXPECT_DOUBLE_EQ(SessionSampleRate(rules, "US", "NA", "paid", ""), 0.5);
  EXPECT_DOUBLE_EQ(SessionSampleRate(rules, "US", "NA", "enterprise", ""), 1.0);
  const std::string flags = std::string("dark-mode") + kFlagSeparator + "beta-checkout-flow";
  EXPECT_DOUBLE_EQ(SessionSampleRate(rules, "DE", "EU", "free", flags), 1.0);
  EXPECT_DOUBLE_EQ(SessionSampleRate(rules, "DE", "EU", "free", "dark-mode"), 0.1);
}

TEST(SessionDraw, IsTheAgentsDraw) {
  // unitHash('sample:' + id) in agent/src/core/ids.js, computed by node.
  EXPECT_DOUBLE_EQ(SessionDraw("abc"), 0.6321129500865936);
  EXPECT_DOUBLE_EQ(SessionDraw("0123456789abcdef0123456789abcdef"), 0.8580717463046312);
  EXPECT_DOUBLE_EQ(SessionDraw("s-1"), 0.780144756892696);
}

TEST(SessionDraw, KeepsTheRateOfSessionsWhateverTheirIdsLookLike) {
  // Ids that differ only at the end (a counter, a timestamp) must draw evenly, and a session's
  // error draw must not follow its session draw. Binomial(20000, 0.1): 2000 ± 42.
  for (const char* prefix : {"session-", "s-4242-mj1x2k-", ""}) {
    size_t kept = 0, both = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string id = prefix + std::to_string(i);
      bool session = SessionDraw(id) < 0.1;
      kept += session;
      both += session && SessionDraw("error:" + id) < 0.5;
    }
    EXPECT_NEAR(kept, 2000, 4 * 42) << prefix;
    EXPECT_NEAR(both, 1000, 4 * 31) << prefix;  // independent draws: 0.1 x 0.5
  }
}

}  // namespace
}  // namespace sightline
