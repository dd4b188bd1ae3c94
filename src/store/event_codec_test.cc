#include "store/event_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "store/test_util.h"

namespace sightline {
namespace {

TEST(EventCodecTest, RoundTripsEveryKindOfColumn) {
  EventBatch batch;
  batch.project = "shop";
  Event e = Vital(1795806267437, "LCP", 2310.5, "2.4.1", 0.1);
  e.flags = std::string("a") + kFlagSeparator + "b";
  e.line = 847;
  e.message = std::string("multi\nline \0 nul", 16);
  batch.events.push_back(e);
  batch.events.push_back(Event{});  // all null
  std::string encoded;
  EncodeEventBatch(batch, &encoded);
  EventBatch decoded;
  ASSERT_TRUE(DecodeEventBatch(encoded, &decoded).ok());
  ASSERT_EQ(decoded.project, "shop");
  ASSERT_EQ(decoded.events.size(), 2u);
  const Event& d = decoded.events[0];
  EXPECT_EQ(d.ts, e.ts);
  EXPECT_EQ(d.name, "LCP");
  EXPECT_EQ(d.value, 2310.5);
  EXPECT_EQ(d.sample_rate, 0.1);
  EXPECT_EQ(d.flags, e.flags);
  EXPECT_EQ(d.line, 847);
  EXPECT_EQ(d.message, e.message);
  EXPECT_TRUE(IsNull(d.column));
  EXPECT_TRUE(IsNull(decoded.events[1].ts));
  EXPECT_TRUE(IsNull(decoded.events[1].value));
}

TEST(EventCodecTest, EveryTruncationAndBitFlipIsCorruptionNotACrash) {
  EventBatch batch;
  batch.project = "p";
  for (int idx = 0; idx < 5; ++idx) batch.events.push_back(Vital(1000 + idx, "INP", idx));
  std::string encoded;
  EncodeEventBatch(batch, &encoded);
  EventBatch out;
  for (size_t len = 0; len < encoded.size(); ++len) {
    EXPECT_FALSE(DecodeEventBatch(std::string_view(encoded).substr(0, len), &out).ok()) << len;
  }
  std::mt19937 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string damaged = encoded;
    damaged[rng() % damaged.size()] ^= static_cast<char>(1 + rng() % 255);
    (void)DecodeEventBatch(damaged, &out).ok();  // must not crash or read out of bounds
  }
}

}  // namespace
}  // namespace sightline
