#include "ingest/traffic_parser.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

constexpr int64_t kNow = 1795806000000;  // 2026-11-27T19:00:00Z

TEST(TrafficParser, ReadsCountsCutToTheMinute) {
  TrafficParser parser{LimitsConfig()};
  ParsedTraffic out;
  auto error = parser.Parse(
      R"({"key":"k","counts":[{"minute":1795805990123,"route":"/p/1","requests":12},)"
      R"({"minute":"2026-11-27T18:58:00Z","route":"/checkout","requests":3,"service":"web"}]})",
      kNow, &out);
  ASSERT_FALSE(error);
  EXPECT_EQ(out.key, "k");
  ASSERT_EQ(out.counts.size(), 2u);
  EXPECT_EQ(out.counts[0].minute_ms, 1795805940000);
  EXPECT_EQ(out.counts[0].route, "/p/1");
  EXPECT_EQ(out.counts[0].requests, 12);
  EXPECT_EQ(out.counts[1].service, "web");
  EXPECT_TRUE(out.rejected.empty());
}

TEST(TrafficParser, RejectsBadCountsAloneAndNamesTheField) {
  TrafficParser parser{LimitsConfig()};
  ParsedTraffic out;
  auto error = parser.Parse(R"({"counts":[{"minute":1795805990000,"route":"/ok","requests":1},)"
                            R"({"minute":"yesterday","route":"/a","requests":1},)"
                            R"({"minute":1795805990000,"requests":1},)"
                            R"({"minute":1795805990000,"route":"/b","requests":-4},)"
                            R"({"minute":1795805990000,"route":"/b","requests":1.5},)"
                            R"({"minute":1,"route":"/old","requests":1},)"
                            R"(7]})",
                            kNow, &out);
  ASSERT_FALSE(error);
  EXPECT_EQ(out.counts.size(), 1u);
  ASSERT_EQ(out.rejected.size(), 6u);
  EXPECT_EQ(out.rejected[0].index, 1u);
  EXPECT_EQ(out.rejected[0].field, "minute");
  EXPECT_EQ(out.rejected[1].field, "route");
  EXPECT_EQ(out.rejected[2].field, "requests");
  EXPECT_EQ(out.rejected[3].field, "requests");
  EXPECT_EQ(out.rejected[4].field, "minute");
  EXPECT_EQ(out.rejected[5].field, "");
}

TEST(TrafficParser, UnusableBodiesFailWhole) {
  TrafficParser parser{LimitsConfig()};
  ParsedTraffic out;
  EXPECT_EQ(parser.Parse("{", kNow, &out)->error, "invalid_json");
  EXPECT_EQ(parser.Parse("[]", kNow, &out)->error, "invalid_body");
  EXPECT_EQ(parser.Parse("{}", kNow, &out)->field, "counts");
  EXPECT_EQ(parser.Parse(R"({"counts":{}})", kNow, &out)->field, "counts");
  EXPECT_EQ(parser.Parse(R"({"key":1,"counts":[]})", kNow, &out)->field, "key");
}

}  // namespace
}  // namespace sightline
