#include "enrich/enricher.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "enrich/sampling.h"

namespace sightline {
namespace {

const UserAgentParser* Parser() {
  static const auto* parser = UserAgentParser::Load(UserAgentConfig().regexes).value().release();
  return parser;
}

constexpr const char* kChrome =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36";

class EnricherTest : public ::testing::Test {
 protected:
  EnricherTest() : scrubber_(PrivacyConfig().secret_params) {
    resources_.user_agents = Parser();
    resources_.scrubber = &scrubber_;
  }

  // A beacon of `types`, its context's url and session set, events inheriting both.
  static EventBatch Beacon(std::initializer_list<const char*> types, std::string session = "s1") {
    EventBatch batch;
    batch.context.url = "https://shop.example/users/12345?token=abc";
    batch.context.route = "/users/12345";
    batch.context.session_id = std::move(session);
    for (const char* type : types) {
      Event e;
      e.type = type;
      e.inherited =
          ColumnBit(ColumnId::url) | ColumnBit(ColumnId::route) | ColumnBit(ColumnId::session_id);
      batch.events.push_back(std::move(e));
    }
    return batch;
  }

  PiiScrubber scrubber_;
  EnrichResources resources_;
  MetricsRegistry metrics_;
  ProjectConfig project_;
};

TEST_F(EnricherTest, VisitorColumnsAreSetOnceAndInheritedByEveryEvent) {
  Enricher enricher(resources_, &metrics_);
  EventBatch batch = Beacon({"vital", "error"});
  batch.events[1].message = "no user jane@example.com";
  ASSERT_TRUE(
      enricher.Enrich({boost::asio::ip::make_address("127.0.0.1"), kChrome, {}}, project_, &batch));
  EXPECT_EQ(batch.context.device, "desktop");
  EXPECT_EQ(batch.context.browser, "Chrome");
  EXPECT_EQ(batch.context.os, "Windows");
  EXPECT_EQ(batch.context.route, "/users/:id");
  EXPECT_EQ(batch.context.url, "https://shop.example/users/12345?token=[REDACTED_PARAM]");
  for (size_t i = 0; i < batch.events.size(); ++i) {
    Event resolved = ResolvedEvent(batch, i);
    EXPECT_EQ(resolved.browser, "Chrome");
    EXPECT_EQ(resolved.browser_version, "131");
    EXPECT_EQ(resolved.route, "/users/:id");
  }
  EXPECT_EQ(batch.events[1].message, "no user [REDACTED_EMAIL]");
}

TEST_F(EnricherTest, CrawlersAreNotStored) {
  Enricher enricher(resources_, &metrics_);
  EventBatch batch = Beacon({"vital", "vital"});
  EXPECT_FALSE(enricher.Enrich({boost::asio::ip::make_address("127.0.0.1"),
                                "Mozilla/5.0 (compatible; bingbot/2.0; "
                                "+http://www.bing.com/bingbot.htm)",
                                {}},
                               project_, &batch));
  EXPECT_TRUE(batch.events.empty());
}

TEST_F(EnricherTest, SamplingKeepsWholeSessionsAndErrorsAtTheirRate) {
  project_.sampling.sample_rate = 0.2;
  project_.sampling.error_sample_rate = 0.5;
  Enricher enricher(resources_, &metrics_);
  size_t sessions_kept = 0, errors_kept = 0;
  const int kSessions = 20000;
  std::mt19937_64 random(42);
  for (int i = 0; i < kSessions; ++i) {
    // Session ids as the agent makes them: 32 random hex digits.
    char id_text[33];
    std::snprintf(id_text, sizeof id_text, "%016llx%016llx",
                  static_cast<unsigned long long>(random()),
                  static_cast<unsigned long long>(random()));
    std::string id = id_text;
    EventBatch batch = Beacon({"page_view", "vital", "error"}, id);
    ASSERT_TRUE(
        enricher.Enrich({boost::asio::ip::make_address("127.0.0.1"), "", {}}, project_, &batch));
    bool kept = SessionDraw(id) < 0.2;
    ASSERT_EQ(batch.events.size(), kept ? 3u : (batch.events.empty() ? 0u : 1u)) << id;
    sessions_kept += kept;
    for (size_t e = 0; e < batch.events.size(); ++e) {
      Event resolved = ResolvedEvent(batch, e);
      if (resolved.type == "error") {
        ++errors_kept;
        EXPECT_DOUBLE_EQ(resolved.sample_rate, 0.2 + 0.8 * 0.5);
      } else {
        EXPECT_DOUBLE_EQ(resolved.sample_rate, 0.2);
      }
    }
  }
  // Binomial: 4000 ± 57 sessions; errors 0.6 × 20000 = 12000 ± 69.
  EXPECT_NEAR(sessions_kept, 0.2 * kSessions, 4 * 57);
  EXPECT_NEAR(errors_kept, 0.6 * kSessions, 4 * 69);
}

TEST_F(EnricherTest, AnAgentsLowerRateIsKept) {
  project_.sampling.sample_rate = 0.5;
  Enricher enricher(resources_, &metrics_);
  for (int i = 0; i < 200; ++i) {
    std::string id = "s-" + std::to_string(i);
    if (SessionDraw(id) >= 0.1) continue;  // what an agent at 0.1 sends
    EventBatch batch = Beacon({"vital"}, id);
    batch.context.sample_rate = 0.1;
    ASSERT_TRUE(
        enricher.Enrich({boost::asio::ip::make_address("127.0.0.1"), "", {}}, project_, &batch));
    ASSERT_EQ(batch.events.size(), 1u);
    EXPECT_DOUBLE_EQ(ResolvedEvent(batch, 0).sample_rate, 0.1);
  }
}

}  // namespace
}  // namespace sightline
