#include "store/event_codec.h"

#include <gtest/gtest.h>

#include <cmath>
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

TEST(EventCodecTest, ContextSharedByABeaconsEventsIsWrittenOnce) {
  EventBatch batch;
  batch.project = "p";
  for (int idx = 0; idx < 10; ++idx) {
    Event e = Vital(1795806267437 + idx, "LCP", idx);
    e.url = "https://shop.example/products/42?ref=newsletter";
    e.session_id = "6c1d0b1e-5d8f-4c39-9a6e-0f3c2b1a9d77";
    batch.events.push_back(e);
  }
  std::string encoded;
  EncodeEventBatch(batch, &encoded);
  // The URL and session id are written once, not ten times.
  EXPECT_LT(encoded.size(),
            10 * (batch.events[0].url.size() + batch.events[0].session_id.size()) / 2);
  EventBatch decoded;
  ASSERT_TRUE(DecodeEventBatch(encoded, &decoded).ok());
  ASSERT_EQ(decoded.events.size(), 10u);
  for (int idx = 0; idx < 10; ++idx) {
    EXPECT_EQ(decoded.events[idx].url, batch.events[idx].url);
    EXPECT_EQ(decoded.events[idx].session_id, batch.events[idx].session_id);
    EXPECT_EQ(decoded.events[idx].value, idx);
    EXPECT_EQ(decoded.events[idx].ts, batch.events[idx].ts);
  }
}

TEST(EventCodecTest, DecodingIntoColumnsMatchesDecodingEvents) {
  std::mt19937 rng(11);
  EventBatch batch;
  batch.project = "p";
  for (int idx = 0; idx < 200; ++idx) {
    Event e = Vital(1795806000000 + static_cast<int64_t>(rng() % 1000), rng() % 2 ? "LCP" : "INP",
                    rng() % 3 ? static_cast<double>(rng() % 5000) : kNullDouble,
                    rng() % 4 ? "2.4.1" : "");
    if (rng() % 3 == 0) e.line = static_cast<int64_t>(rng() % 10);
    batch.events.push_back(e);
  }
  std::string encoded;
  EncodeEventBatch(batch, &encoded);
  ColumnBatchBuilder direct, via_events;
  ASSERT_TRUE(DecodeEventBatchInto(encoded, [&](std::string_view project, int64_t) {
                EXPECT_EQ(project, "p");
                return &direct;
              }).ok());
  EventBatch decoded;
  ASSERT_TRUE(DecodeEventBatch(encoded, &decoded).ok());
  for (const Event& e : decoded.events) via_events.Add(e);
  ColumnBatch a = direct.Finish(), b = via_events.Finish();
  ASSERT_EQ(a.rows, 200u);
  ASSERT_EQ(b.rows, 200u);
  for (size_t row = 0; row < a.rows; ++row) {
    EXPECT_EQ(a.col(ColumnId::ts).ints[row], b.col(ColumnId::ts).ints[row]);
    EXPECT_EQ(a.col(ColumnId::name).str(row), b.col(ColumnId::name).str(row));
    EXPECT_EQ(a.col(ColumnId::release).str(row), b.col(ColumnId::release).str(row));
    EXPECT_EQ(a.col(ColumnId::line).ints[row], b.col(ColumnId::line).ints[row]);
    EXPECT_EQ(std::isnan(a.col(ColumnId::value).doubles[row]),
              std::isnan(b.col(ColumnId::value).doubles[row]));
  }
}

TEST(EventCodecTest, RepeatedValuesAreRightWhenConsecutiveEventsGoToDifferentBuilders) {
  // Events of one batch split over two builders (as over two UTC days): a value repeated from the
  // previous event must not be taken from the wrong builder's row above.
  EventBatch batch;
  batch.project = "p";
  const char* releases[] = {"1.0", "1.0", "2.0", "2.0", "2.0", "", "3.0", "3.0"};
  for (int idx = 0; idx < 8; ++idx) {
    batch.events.push_back(Vital(1000 + idx % 3, "LCP", idx, releases[idx]));
  }
  std::string encoded;
  EncodeEventBatch(batch, &encoded);
  ColumnBatchBuilder builders[3];
  ASSERT_TRUE(DecodeEventBatchInto(encoded, [&](std::string_view, int64_t ts) {
                return &builders[ts - 1000];
              }).ok());
  for (int b = 0; b < 3; ++b) {
    ColumnBatch got = builders[b].Finish();
    std::vector<std::string> want, have;
    for (int idx = b; idx < 8; idx += 3) want.push_back(releases[idx]);
    for (size_t row = 0; row < got.rows; ++row) {
      have.emplace_back(got.col(ColumnId::release).str(row));
    }
    EXPECT_EQ(have, want) << "builder " << b;
  }
}

TEST(EventCodecTest, BothDecodersRefuseARepeatOfANullColumn) {
  // Version 2, project "\x02t", two events: the second repeats ts, which the first does not have.
  const std::string record("\x02\x02\x02t\x02\x00\x00\x00\x01", 9);
  EventBatch batch;
  EXPECT_FALSE(DecodeEventBatch(record, &batch).ok());
  ColumnBatchBuilder builder;
  EXPECT_FALSE(
      DecodeEventBatchInto(record, [&](std::string_view, int64_t) { return &builder; }).ok());
}

TEST(EventCodecTest, ReadsVersionOneBatches) {
  // Version 1: one fixed64 presence mask per event (ts, type, name, value set).
  const std::string v1(
      "\x01\x04shop\x01"
      "\x03\x00\x00\x60\x00\x00\x00\x00"  // mask: bits 0, 1, 29, 30
      "\x80\xce\x87\xe6\xc3\x68"          // ts 1795806000000, zigzag varint
      "\x05vital\x03LCP"
      "\x00\x00\x00\x00\x00\x0d\xa2\x40",  // 2310.5
      39);
  EventBatch decoded;
  Status status = DecodeEventBatch(v1, &decoded);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(decoded.events.size(), 1u);
  EXPECT_EQ(decoded.project, "shop");
  EXPECT_EQ(decoded.events[0].ts, 1795806000000);
  EXPECT_EQ(decoded.events[0].name, "LCP");
  EXPECT_EQ(decoded.events[0].value, 2310.5);
  EXPECT_TRUE(IsNull(decoded.events[0].release));
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
