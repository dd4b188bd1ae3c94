#include "store/aggregate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "store/column_batch.h"
#include "store/store.h"
#include "store/test_util.h"

namespace sightline {
namespace {

// A Store over events held in memory, scanned in small batches to exercise batch boundaries.
class VectorStore : public Store {
 public:
  std::vector<EventBatch> batches;
  Status Append(const EventBatch& batch) override {
    batches.push_back(batch);
    return Status::Ok();
  }
  struct Group : AppendGroup {
    std::vector<EventBatch> batches;
    void Add(const EventBatch& batch) override { batches.push_back(batch); }
    bool empty() const override { return batches.empty(); }
  };
  std::unique_ptr<AppendGroup> NewAppendGroup() override { return std::make_unique<Group>(); }
  Status Commit(AppendGroup& group) override {
    for (EventBatch& b : static_cast<Group&>(group).batches) batches.push_back(std::move(b));
    static_cast<Group&>(group).batches.clear();
    return Status::Ok();
  }
  Status Scan(const ScanSpec& spec, const BatchVisitor& visit) override {
    ColumnBatchBuilder builder(spec.columns);
    for (const EventBatch& batch : batches) {
      if (batch.project != spec.project) continue;
      for (const Event& e : batch.events) {
        builder.Add(e);
        if (builder.rows() == 3) SL_RETURN_IF_ERROR(visit(builder.Finish()));
      }
    }
    if (builder.rows() > 0) return visit(builder.Finish());
    return Status::Ok();
  }
  Result<AggregateResult> Aggregate(const AggregateSpec& spec) override {
    return AggregateByScan(*this, spec);
  }
};

AggregateSpec LcpSpec(std::vector<Stat> stats) {
  AggregateSpec spec;
  spec.project = "p";
  spec.from_ms = 0;
  spec.to_ms = 1'000'000;
  spec.event_type = "vital";
  spec.metric_name = "LCP";
  spec.stats = std::move(stats);
  return spec;
}

Stat Quantile(double q) { return {"p", StatKind::kQuantile, q}; }

TEST(WeightedQuantileTest, IsTheNearestRankForUnitWeights) {
  std::vector<std::pair<double, double>> values;
  for (int v = 1; v <= 100; ++v) values.emplace_back(v, 1);
  EXPECT_EQ(WeightedQuantile(values, 100, 0.75), 75);
  EXPECT_EQ(WeightedQuantile(values, 100, 0.5), 50);
  EXPECT_EQ(WeightedQuantile(values, 100, 0.999), 100);
  EXPECT_EQ(WeightedQuantile(values, 100, 0.001), 1);
}

TEST(WeightedQuantileTest, HeavierValuesPullThePercentile) {
  // 10 at weight 1, 20 at weight 10 (sampled at 10%): 20 holds 10/11 of the mass.
  std::vector<std::pair<double, double>> values = {{10, 1}, {20, 10}};
  EXPECT_EQ(WeightedQuantile(values, 11, 0.05), 10);
  EXPECT_EQ(WeightedQuantile(values, 11, 0.5), 20);
}

// Many values take ExactQuantiles' histogram path; few its sort. Both answer as WeightedQuantile
// over every value sorted, for negative, zero, repeated and spread-out values.
TEST(ExactQuantilesTest, EqualWeightedQuantileOfTheSortedValues) {
  std::mt19937 rng(11);
  std::lognormal_distribution<double> spread(6, 2);
  std::uniform_int_distribution<int> kind(0, 9);
  const std::vector<double> qs = {0.99, 0, 0.5, 0.001, 0.75, 1, 0.9, 0.95, 0.25, 0.999};
  for (size_t n : {size_t{1}, size_t{1000}, size_t{200000}}) {
    for (bool unit : {true, false}) {
      std::vector<double> values, weights;
      std::vector<std::pair<double, double>> sorted;
      double total = 0;
      for (size_t i = 0; i < n; ++i) {
        const int k = kind(rng);
        const double v = k == 0 ? -spread(rng) : k == 1 ? 0.0 : k == 2 ? 2500.0 : spread(rng);
        const double w = unit ? 1.0 : std::vector<double>{1, 2, 10, 1 / 0.3}[i % 4];
        values.push_back(v);
        if (!unit) weights.push_back(w);
        sorted.emplace_back(v, w);
        total += w;
      }
      std::sort(sorted.begin(), sorted.end());
      const std::vector<double> got = ExactQuantiles(values, weights, total, qs);
      ASSERT_EQ(got.size(), qs.size());
      for (size_t i = 0; i < qs.size(); ++i) {
        EXPECT_EQ(got[i], WeightedQuantile(sorted, total, qs[i]))
            << "n " << n << (unit ? " unit" : " weighted") << " q " << qs[i];
      }
    }
  }
  EXPECT_TRUE(std::isnan(ExactQuantiles({}, {}, 0, {0.5})[0]));
}

TEST(AggregateTest, MatchesABruteForceComputationOnRandomData) {
  VectorStore store;
  std::mt19937 rng(42);
  std::lognormal_distribution<double> lcp(7.5, 0.5);
  const char* releases[] = {"1.0", "1.1", "2.0"};
  const double rates[] = {1, 0.5, 0.1};
  EventBatch batch;
  batch.project = "p";
  for (int idx = 0; idx < 3000; ++idx) {
    batch.events.push_back(Vital(1000 + idx, idx % 4 ? "LCP" : "INP", std::round(lcp(rng)),
                                 releases[idx % 3], rates[idx % 7 % 3]));
  }
  ASSERT_TRUE(store.Append(batch).ok());
  AggregateSpec spec = LcpSpec({Quantile(0.75),
                                Quantile(0.95),
                                {"count", StatKind::kCount},
                                {"samples", StatKind::kSamples},
                                {"avg", StatKind::kAvg}});
  DimensionRef release{"release", ColumnId::release, false};
  spec.group_by = {release};
  Result<AggregateResult> result = store.Aggregate(spec);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->rows.size(), 3u);
  for (const AggregateRow& row : result->rows) {
    std::vector<std::pair<double, double>> expected;
    double total = 0, weighted_sum = 0;
    for (const Event& e : batch.events) {
      if (e.name != "LCP" || e.release != row.group[0]) continue;
      expected.emplace_back(e.value, 1 / e.sample_rate);
      total += 1 / e.sample_rate;
      weighted_sum += e.value / e.sample_rate;
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(row.values[0], WeightedQuantile(expected, total, 0.75));
    EXPECT_EQ(row.values[1], WeightedQuantile(expected, total, 0.95));
    EXPECT_NEAR(row.values[2], total, 1e-6);
    EXPECT_EQ(row.values[3], expected.size());
    EXPECT_NEAR(row.values[4], weighted_sum / total, 1e-6);
  }
  // Rows come sorted by weighted count.
  EXPECT_GE(result->rows[0].values[2], result->rows[1].values[2]);
}

TEST(AggregateTest, UnitWeightsGiveTheNearestRankAtEveryPercentile) {
  VectorStore store;
  std::mt19937 rng(7);
  std::lognormal_distribution<double> lcp(7.5, 0.5);
  EventBatch batch;
  batch.project = "p";
  std::vector<std::pair<double, double>> expected;
  for (int idx = 0; idx < 997; ++idx) {
    batch.events.push_back(Vital(1000 + idx, "LCP", std::round(lcp(rng))));
    expected.emplace_back(batch.events.back().value, 1.0);
  }
  ASSERT_TRUE(store.Append(batch).ok());
  std::sort(expected.begin(), expected.end());
  std::vector<Stat> stats;
  for (double q : {0.0, 0.001, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0}) {
    stats.push_back(Quantile(q));
  }
  Result<AggregateResult> result = store.Aggregate(LcpSpec(stats));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->rows.size(), 1u);
  for (size_t i = 0; i < stats.size(); ++i) {
    EXPECT_EQ(result->rows[0].values[i], WeightedQuantile(expected, 997, stats[i].quantile))
        << "q " << stats[i].quantile;
  }
}

TEST(AggregateTest, FlagsFilterByMembershipAndGroupIntoEachFlag) {
  VectorStore store;
  EventBatch batch;
  batch.project = "p";
  Event a = Vital(10, "LCP", 100);
  a.flags = std::string("beta") + kFlagSeparator + "new-checkout";
  Event b = Vital(11, "LCP", 200);
  b.flags = "beta";
  Event c = Vital(12, "LCP", 300);
  batch.events = {a, b, c};
  ASSERT_TRUE(store.Append(batch).ok());
  DimensionRef flag{"flag", ColumnId::flags, true};

  AggregateSpec filtered = LcpSpec({{"count", StatKind::kCount}, {"max", StatKind::kMax}});
  filtered.filters = {{flag, {"new-checkout"}}};
  auto one = store.Aggregate(filtered);
  ASSERT_EQ(one->rows.size(), 1u);
  EXPECT_EQ(one->rows[0].values[0], 1);
  EXPECT_EQ(one->rows[0].values[1], 100);

  AggregateSpec grouped = LcpSpec({{"count", StatKind::kCount}});
  grouped.group_by = {flag};
  auto groups = store.Aggregate(grouped);
  ASSERT_EQ(groups->rows.size(), 3u);  // beta (2), new-checkout (1), none (1)
  EXPECT_EQ(groups->rows[0].group[0], "beta");
  EXPECT_EQ(groups->rows[0].values[0], 2);
}

TEST(AggregateTest, TimeRangeIsHalfOpenAndOtherProjectsAreInvisible) {
  VectorStore store;
  EventBatch mine{"p", {Vital(100, "LCP", 1), Vital(199, "LCP", 2), Vital(200, "LCP", 3)}};
  EventBatch theirs{"q", {Vital(150, "LCP", 99)}};
  ASSERT_TRUE(store.Append(mine).ok());
  ASSERT_TRUE(store.Append(theirs).ok());
  AggregateSpec spec = LcpSpec({{"samples", StatKind::kSamples}, {"max", StatKind::kMax}});
  spec.from_ms = 100;
  spec.to_ms = 200;
  auto result = store.Aggregate(spec);
  ASSERT_EQ(result->rows.size(), 1u);
  EXPECT_EQ(result->rows[0].values[0], 2);
  EXPECT_EQ(result->rows[0].values[1], 2);
}

TEST(AggregateTest, SharesOfTheGoodNeedsImprovementAndPoorBands) {
  VectorStore store;
  EventBatch batch{"p",
                   {Vital(1, "LCP", 1200), Vital(2, "LCP", 2500), Vital(3, "LCP", 2600),
                    Vital(4, "LCP", 4000), Vital(5, "LCP", 4001)}};
  batch.events[4].sample_rate = 0.5;  // stands for two
  ASSERT_TRUE(store.Append(batch).ok());
  Stat good{"good", StatKind::kShare}, ni{"ni", StatKind::kShare}, poor{"poor", StatKind::kShare};
  good.at_most = 2500;
  ni.above = 2500;
  ni.at_most = 4000;
  poor.above = 4000;
  auto result = store.Aggregate(LcpSpec({good, ni, poor}));
  ASSERT_EQ(result->rows.size(), 1u);
  EXPECT_DOUBLE_EQ(result->rows[0].values[0], 2.0 / 6);  // 2500 is still good
  EXPECT_DOUBLE_EQ(result->rows[0].values[1], 2.0 / 6);  // 4000 still needs improvement
  EXPECT_DOUBLE_EQ(result->rows[0].values[2], 2.0 / 6);
}

TEST(AggregateTest, NotAndPrefixFiltersAndTopGroupsWithTheRestAsOther) {
  VectorStore store;
  EventBatch batch;
  batch.project = "p";
  const char* routes[] = {
      "/checkout", "/checkout/pay", "/products/:id", "/products/:id", "/products/:id", "/",
      "/",         "/search"};
  for (size_t i = 0; i < std::size(routes); ++i) {
    Event e = Vital(static_cast<int64_t>(i), "LCP", 1000.0 + 100 * static_cast<double>(i));
    e.route = routes[i];
    batch.events.push_back(e);
  }
  ASSERT_TRUE(store.Append(batch).ok());
  DimensionRef route{"route", ColumnId::route, false};

  AggregateSpec prefix = LcpSpec({{"samples", StatKind::kSamples}});
  prefix.filters = {{route, {}, {"/checkout"}, {}, {}}};
  EXPECT_EQ(store.Aggregate(prefix)->rows[0].values[0], 2);

  AggregateSpec excluded = LcpSpec({{"samples", StatKind::kSamples}});
  excluded.filters = {{route, {}, {}, {"/"}, {"/checkout"}}};
  EXPECT_EQ(store.Aggregate(excluded)->rows[0].values[0], 4);  // products x3, search

  AggregateSpec top = LcpSpec({{"samples", StatKind::kSamples}, {"max", StatKind::kMax}});
  top.group_by = {route};
  top.limit = 2;
  auto rows = store.Aggregate(top)->rows;
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].group[0], "/products/:id");
  EXPECT_EQ(rows[1].group[0], "/");
  EXPECT_FALSE(rows[1].other);
  EXPECT_TRUE(rows[2].other);
  EXPECT_EQ(rows[2].values[0], 3);     // /checkout, /checkout/pay, /search
  EXPECT_EQ(rows[2].values[1], 1700);  // their max
}

}  // namespace
}  // namespace sightline
