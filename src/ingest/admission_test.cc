#include "ingest/admission.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

TEST(OriginMatchesTest, ExactWildcardSubdomainAndAnyPort) {
  EXPECT_TRUE(OriginMatches("https://shop.example", "https://shop.example"));
  EXPECT_TRUE(OriginMatches("https://shop.example", "HTTPS://Shop.Example"));
  EXPECT_FALSE(OriginMatches("https://shop.example", "http://shop.example"));
  EXPECT_FALSE(OriginMatches("https://shop.example", "https://shop.example:8443"));
  EXPECT_TRUE(OriginMatches("https://*.shop.example", "https://a.shop.example"));
  EXPECT_TRUE(OriginMatches("https://*.shop.example", "https://a.b.shop.example"));
  EXPECT_FALSE(OriginMatches("https://*.shop.example", "https://shop.example"));
  EXPECT_FALSE(OriginMatches("https://*.shop.example", "https://shop.example.evil.com"));
  EXPECT_FALSE(OriginMatches("https://*.shop.example", "https://evilshop.example"));
  EXPECT_FALSE(OriginMatches("https://*.shop.example", "http://a.shop.example"));
  EXPECT_TRUE(OriginMatches("http://localhost:*", "http://localhost:3000"));
  EXPECT_TRUE(OriginMatches("http://localhost:*", "http://localhost"));
  EXPECT_FALSE(OriginMatches("http://localhost:*", "http://localhost.evil.com:80"));
  EXPECT_FALSE(OriginMatches("http://localhost:*", "null"));
}

TEST(TokenBucketTest, AllowsABurstOfOneSecondThenTheRate) {
  TokenBucket bucket;
  int64_t now = 1'000'000;
  for (int idx = 0; idx < 5; ++idx) EXPECT_EQ(bucket.Take(5, now), 0);
  int64_t wait = bucket.Take(5, now);
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 200'000);
  EXPECT_EQ(bucket.Take(5, now + 200'000), 0);  // one token back after 1/5 s
}

TEST(AdmissionTest, RateLimitsPerClientAndPerKeyWithRetryAfter) {
  ProjectConfig project;
  project.id = "shop";
  project.ingest_keys = {"k"};
  LimitsConfig limits;
  limits.beacons_per_second_per_client = 2;
  limits.beacons_per_second_per_key = 3;
  Admission admission({project}, limits);
  EXPECT_EQ(admission.ProjectForKey("k")->id, "shop");
  EXPECT_EQ(admission.ProjectForKey("nope"), nullptr);
  const int64_t now = 5'000'000;
  EXPECT_EQ(admission.TakeRateToken("a", "k", now), 0);
  EXPECT_EQ(admission.TakeRateToken("a", "k", now), 0);
  EXPECT_GE(admission.TakeRateToken("a", "k", now), 1);  // client a is out
  EXPECT_EQ(admission.TakeRateToken("b", "k", now), 0);  // the key's third token
  EXPECT_GE(admission.TakeRateToken("c", "k", now), 1);  // the key is out...
  EXPECT_GE(admission.TakeRateToken("c", "k", now), 1);
  // ...and those refusals did not spend client c's tokens: once the key refills, c has both.
  EXPECT_EQ(admission.TakeRateToken("c", "k", now + 400'000), 0);
  EXPECT_EQ(admission.TakeRateToken("c", "k", now + 800'000), 0);
  admission.Sweep(now + 120'000'000);
  EXPECT_EQ(admission.client_buckets(), 0u);
}

TEST(AdmissionTest, AnIPv6ClientsBucketIsItsSlash64) {
  LimitsConfig limits;
  limits.beacons_per_second_per_client = 1;
  limits.beacons_per_second_per_key = 0;
  Admission admission({}, limits);
  const int64_t now = 5'000'000;
  const std::string net_a(8, '\x20'), net_b(8, '\x21');
  EXPECT_EQ(admission.TakeRateToken(net_a + std::string(8, '\x01'), "k", now), 0);
  EXPECT_GE(admission.TakeRateToken(net_a + std::string(8, '\x02'), "k", now), 1);  // same /64
  EXPECT_EQ(admission.TakeRateToken(net_b + std::string(8, '\x01'), "k", now), 0);  // another
  EXPECT_EQ(admission.TakeRateToken("\x0a\x00\x00\x01", "k", now), 0);              // IPv4: whole
  EXPECT_EQ(admission.TakeRateToken(std::string("\x0a\x00\x00\x02", 4), "k", now), 0);
}

TEST(AdmissionTest, EmptyOriginListAndMissingOriginAreAllowed) {
  ProjectConfig open_project;
  EXPECT_TRUE(Admission::OriginAllowed(open_project, "https://any.example"));
  ProjectConfig closed;
  closed.allowed_origins = {"https://shop.example"};
  EXPECT_TRUE(Admission::OriginAllowed(closed, ""));
  EXPECT_FALSE(Admission::OriginAllowed(closed, "https://evil.example"));
}

}  // namespace
}  // namespace sightline
