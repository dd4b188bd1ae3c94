#include "query/timeseries_query.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

constexpr int64_t kNow = 1795806000000;  // 2026-11-27T19:00:00Z

TEST(TimeseriesQueryTest, IntervalsSegmentsAndEveryBucketAnswered) {
  TimeseriesQuery query;
  ASSERT_FALSE(ParseTimeseriesQuery({{"name", "LCP"},
                                     {"stats", "p75,count"},
                                     {"from", "2026-11-27T16:30:00Z"},
                                     {"to", "2026-11-27T19:00:00Z"},
                                     {"interval", "1h"},
                                     {"filter", "tier:paid"},
                                     {"segment", "device:mobile"},
                                     {"segment", "device:desktop,country!:US"}},
                                    kNow, &query));
  EXPECT_EQ(query.interval_ms, 3600000);
  ASSERT_EQ(query.segments.size(), 2u);
  EXPECT_EQ(query.segments[1].label, "device:desktop,country!:US");
  EXPECT_EQ(query.segments[1].spec.filters.size(), 3u);  // tier, device, country
  EXPECT_EQ(query.segments[0].spec.bucket_ms, 3600000);

  AggregateResult mobile;
  AggregateRow row;
  row.bucket_start = 1795798800000;  // 17:00
  row.values = {2400, 3};
  mobile.rows = {row};
  mobile.sketch_cells = 2;
  mobile.scanned_events = 1;
  std::string json = FormatTimeseries(query, {mobile, AggregateResult{}});
  // Buckets 16:00, 17:00, 18:00: the range starts inside the first.
  EXPECT_EQ(
      json,
      R"({"interval_ms":3600000,"from":1795797000000,"to":1795806000000,"series":[)"
      R"({"segment":"device:mobile","points":[{"t":1795795200000,"p75":null,"count":0},)"
      R"({"t":1795798800000,"p75":2400,"count":3},{"t":1795802400000,"p75":null,"count":0}]},)"
      R"({"segment":"device:desktop,country!:US","points":[{"t":1795795200000,"p75":null,)"
      R"("count":0},{"t":1795798800000,"p75":null,"count":0},{"t":1795802400000,"p75":null,)"
      R"("count":0}]}],"exact":false,"source":{"sketch_cells":2,"scanned_events":1}})");
}

TEST(TimeseriesQueryTest, MistakesNameTheirParameter) {
  auto field_of = [](QueryParams params) {
    TimeseriesQuery query;
    auto error = ParseTimeseriesQuery(params, kNow, &query);
    return error ? error->field : std::string("(accepted)");
  };
  EXPECT_EQ(field_of({{"name", "LCP"}}), "(accepted)");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"interval", "30s"}}), "interval");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"interval", "2d"}}), "interval");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"interval", "fast"}}), "interval");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"interval", "1m"}, {"from", "2026-01-01"}}), "interval");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"group_by", "device"}}), "group_by");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"segment", "planet:mars"}}), "segment");
  EXPECT_EQ(field_of({{"name", "LCP"},
                      {"segment", "device:a"},
                      {"segment", "device:b"},
                      {"segment", "device:c"},
                      {"segment", "device:d"},
                      {"segment", "device:e"}}),
            "segment");
  // Times beyond what a range can hold (their difference overflowed into a huge bucket count).
  EXPECT_EQ(field_of({{"name", "LCP"}, {"from", "0000-01-01"}, {"to", "9223372036854775807"}}),
            "to");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"from", "0000-01-01"}}), "from");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"to", "-9223372036854775808"}}), "to");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"from", "1970-01-01"}, {"to", "9999-12-31"}}), "interval");
  // 2^59 + 60 minutes overflows to one hour when multiplied out.
  EXPECT_EQ(field_of({{"name", "LCP"}, {"interval", "576460752303423548m"}}), "interval");
}

}  // namespace
}  // namespace sightline
