#include "query/metrics_query.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

constexpr int64_t kNow = 1795806000000;

TEST(MetricsQueryTest, ParsesStatsRangeGroupsAndFilters) {
  QueryParams params = {{"name", "LCP"},
                        {"stats", "p50,p75,p99.9,count,avg,samples"},
                        {"from", "2026-11-27T00:00:00Z"},
                        {"to", "2026-11-27T12:00:00Z"},
                        {"group_by", "release,flag"},
                        {"filter", "tier:paid,tier:enterprise,connection:4g"}};
  AggregateSpec spec;
  ASSERT_FALSE(ParseMetricsQuery(params, kNow, &spec));
  EXPECT_EQ(spec.event_type, "vital");
  EXPECT_EQ(spec.metric_name, "LCP");
  ASSERT_EQ(spec.stats.size(), 6u);
  EXPECT_EQ(spec.stats[2].kind, StatKind::kQuantile);
  EXPECT_DOUBLE_EQ(spec.stats[2].quantile, 0.999);
  EXPECT_EQ(spec.stats[2].name, "p99.9");
  EXPECT_EQ(spec.from_ms, 1795737600000);
  EXPECT_EQ(spec.to_ms, 1795780800000);
  ASSERT_EQ(spec.group_by.size(), 2u);
  EXPECT_TRUE(spec.group_by[1].multi_valued);
  ASSERT_EQ(spec.filters.size(), 2u);  // tier (two values, OR), connection
  EXPECT_EQ(spec.filters[0].values, (std::vector<std::string>{"paid", "enterprise"}));
  EXPECT_EQ(spec.filters[1].dim.column, ColumnId::connection);
}

TEST(MetricsQueryTest, DefaultsToTheLastDayAndP75Count) {
  AggregateSpec spec;
  ASSERT_FALSE(ParseMetricsQuery({{"name", "INP"}}, kNow, &spec));
  EXPECT_EQ(spec.to_ms, kNow);
  EXPECT_EQ(spec.from_ms, kNow - 86400000);
  ASSERT_EQ(spec.stats.size(), 2u);
  EXPECT_EQ(spec.stats[0].name, "p75");
}

TEST(MetricsQueryTest, EveryMistakeNamesItsParameter) {
  auto field_of = [](QueryParams params) {
    AggregateSpec spec;
    auto error = ParseMetricsQuery(params, kNow, &spec);
    return error ? error->field : std::string("(accepted)");
  };
  EXPECT_EQ(field_of({}), "name");
  EXPECT_EQ(field_of({{"name", "SPEED"}}), "name");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"stats", "p100"}}), "stats");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"stats", "median"}}), "stats");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"stats", "p1e1"}}), "stats");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"stats", "p75,count,p75"}}), "stats");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"group_by", "tier,tier"}}), "group_by");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"from", "soon"}}), "from");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"to", "2026-11-27"}, {"from", "2026-11-28"}}), "from");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"group_by", "device_type"}}), "group_by");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"group_by", "route,release,tier,flag"}}), "group_by");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"filter", "tier"}}), "filter");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"filter", "planet:mars"}}), "filter");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"filter", "!:x"}}), "filter");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"limit", "0"}}), "limit");
  EXPECT_EQ(field_of({{"name", "LCP"}, {"limit", "ten"}}), "limit");
}

TEST(MetricsQueryTest, BandsNotPrefixAndLimit) {
  AggregateSpec spec;
  ASSERT_FALSE(ParseMetricsQuery({{"name", "INP"},
                                  {"stats", "good,ni,poor"},
                                  {"filter", "route:/checkout*,route!:/checkout/test,country!:US"},
                                  {"limit", "5"}},
                                 kNow, &spec));
  ASSERT_EQ(spec.stats.size(), 3u);
  EXPECT_EQ(spec.stats[0].kind, StatKind::kShare);
  EXPECT_EQ(spec.stats[0].at_most, 200);  // INP is good up to 200 ms
  EXPECT_EQ(spec.stats[1].above, 200);
  EXPECT_EQ(spec.stats[1].at_most, 500);
  EXPECT_EQ(spec.stats[2].above, 500);
  ASSERT_EQ(spec.filters.size(), 2u);
  EXPECT_EQ(spec.filters[0].prefixes, (std::vector<std::string>{"/checkout"}));
  EXPECT_EQ(spec.filters[0].excluded, (std::vector<std::string>{"/checkout/test"}));
  EXPECT_EQ(spec.filters[1].excluded, (std::vector<std::string>{"US"}));
  EXPECT_TRUE(spec.filters[1].values.empty());
  EXPECT_EQ(spec.limit, 5u);
}

TEST(MetricsQueryTest, FormatsGroupsAndNullsForMissingValues) {
  AggregateSpec spec;
  spec.group_by = {{"release", ColumnId::release, false}};
  spec.stats = {{"p75", StatKind::kQuantile, 0.75}, {"count", StatKind::kCount}};
  AggregateResult result;
  result.rows.push_back({{"2.4.1"}, {2310.5, 1234}});
  result.rows.push_back({{""}, {100, 1}});
  std::string json = FormatMetricsResult(spec, result);
  EXPECT_NE(json.find(R"({"group":{"release":"2.4.1"},"p75":2310.5,"count":1234})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"({"group":{"release":null},"p75":100,"count":1})"), std::string::npos)
      << json;
}

}  // namespace
}  // namespace sightline
