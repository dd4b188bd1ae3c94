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
  EXPECT_DOUBLE_EQ(SessionDraw("abc"), 0.2283599025104195);
  EXPECT_DOUBLE_EQ(SessionDraw("0123456789abcdef0123456789abcdef"), 0.18030073284171522);
  EXPECT_DOUBLE_EQ(SessionDraw("s-1"), 0.37645804649218917);
}

TEST(SessionDraw, KeepsTheRateOfSessions) {
  size_t kept = 0;
  for (int i = 0; i < 100000; ++i) kept += SessionDraw("session-" + std::to_string(i)) < 0.1;
  EXPECT_NEAR(kept / 100000.0, 0.1, 0.005);
}

}  // namespace
}  // namespace sightline
