#include "store/rollup.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "store/embedded_store.h"
#include "store/test_util.h"

namespace sightline {
namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kDay1 = 1795737600000;  // a UTC midnight

// Realistic vitals: log-normal LCP and INP, over dimensions of low and high cardinality, with
// three sample rates, spread over three days.
std::vector<Event> RealisticVitals(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::lognormal_distribution<double> lcp(std::log(2200), 0.6), inp(std::log(180), 0.8);
  std::uniform_int_distribution<int64_t> when(0, 3 * kDay - 1);
  const std::vector<std::string> devices = {"desktop", "mobile", "tablet"};
  const std::vector<std::string> browsers = {"Chrome", "Safari", "Firefox", "Edge", ""};
  const std::vector<double> rates = {1, 0.5, 0.25};
  std::vector<Event> events;
  for (size_t i = 0; i < n; ++i) {
    const bool is_lcp = rng() % 3 != 0;
    Event e = Vital(kDay1 + when(rng), is_lcp ? "LCP" : "INP", is_lcp ? lcp(rng) : inp(rng),
                    "2." + std::to_string(rng() % 5), rates[rng() % rates.size()]);
    e.country = std::string(1, static_cast<char>('A' + rng() % 20)) + "X";
    e.device = devices[rng() % devices.size()];
    e.browser = browsers[rng() % browsers.size()];
    e.route = "/p/" + std::to_string(rng() % 60 * (rng() % 2 + 1));  // skewed: some routes rare
    events.push_back(std::move(e));
  }
  return events;
}

DimensionRef Dim(std::string name, ColumnId column) { return {std::move(name), column, false}; }

AggregateSpec Spec(std::string metric, int64_t from, int64_t to) {
  AggregateSpec spec;
  spec.project = "p";
  spec.from_ms = from;
  spec.to_ms = to;
  spec.event_type = "vital";
  spec.metric_name = std::move(metric);
  spec.stats = {{"p50", StatKind::kQuantile, 0.5},
                {"p75", StatKind::kQuantile, 0.75},
                {"p95", StatKind::kQuantile, 0.95},
                {"p99", StatKind::kQuantile, 0.99},
                {"count", StatKind::kCount},
                {"samples", StatKind::kSamples},
                {"sum", StatKind::kSum},
                {"min", StatKind::kMin},
                {"max", StatKind::kMax}};
  if (spec.metric_name == "LCP") {
    Stat good{"good", StatKind::kShare};
    good.at_most = 2500;
    Stat poor{"poor", StatKind::kShare};
    poor.above = 4000;
    spec.stats.push_back(good);
    spec.stats.push_back(poor);
  }
  return spec;
}

class RollupTest : public ::testing::Test {
 protected:
  std::unique_ptr<EmbeddedStore> Open(RollupLimits limits = {},
                                      const std::string& name = "region") {
    EmbeddedStoreOptions options;
    options.dir = JoinPath(dir_.path(), name);
    options.flush_interval_s = 3600;
    options.rollup_limits = limits;
    auto store = EmbeddedStore::Open(&env_, &logger_, &metrics_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Runs `spec` exactly and sketched, and checks the sketched answer against the exact one: the
  // same groups in the same order, percentiles within 1%, everything else equal. Returns the
  // sketched result.
  AggregateResult ExpectSketchedMatchesExact(EmbeddedStore& store, AggregateSpec spec) {
    spec.exact = true;
    Result<AggregateResult> exact = store.Aggregate(spec);
    spec.exact = false;
    Result<AggregateResult> sketched = store.Aggregate(spec);
    EXPECT_TRUE(exact.ok() && sketched.ok());
    if (!exact.ok() || !sketched.ok()) return {};
    EXPECT_EQ(exact->sketch_cells, 0u);
    EXPECT_EQ(sketched->rows.size(), exact->rows.size());
    for (size_t r = 0; r < std::min(exact->rows.size(), sketched->rows.size()); ++r) {
      const AggregateRow& want = exact->rows[r];
      const AggregateRow& got = sketched->rows[r];
      EXPECT_EQ(got.group, want.group);
      EXPECT_EQ(got.bucket_start, want.bucket_start);
      for (size_t i = 0; i < spec.stats.size(); ++i) {
        const double tolerance = spec.stats[i].kind == StatKind::kQuantile
                                     ? 0.01 * want.values[i]
                                     : 1e-9 * std::max(1.0, std::abs(want.values[i]));
        EXPECT_NEAR(got.values[i], want.values[i], tolerance)
            << spec.stats[i].name << " of group " << ::testing::PrintToString(want.group) << " at "
            << want.bucket_start;
      }
    }
    return std::move(sketched).value();
  }

  TempDir dir_;
  ManualClockEnv env_{kDay1 + 3 * kDay + kHour};  // the data is up to three days old
  MetricsRegistry metrics_;
  FILE* log_sink_ = std::tmpfile();
  Logger logger_{Env::Default(), log_sink_, LogLevel::kInfo};
};

TEST_F(RollupTest, SketchedAnswersMatchExactOnesWithinOnePercent) {
  auto store = Open();
  const std::vector<Event> events = RealisticVitals(60000, 1);
  // Most in segments, the newest batch still in the memtable.
  ASSERT_TRUE(store->Append({"p", {events.begin(), events.end() - 5000}}).ok());
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(store->Append({"p", {events.end() - 5000, events.end()}}).ok());

  const int64_t all_from = kDay1, all_to = kDay1 + 3 * kDay;
  // Whole range: answered from cells only (the memtable aside).
  AggregateResult overall = ExpectSketchedMatchesExact(*store, Spec("LCP", all_from, all_to));
  EXPECT_GT(overall.sketch_cells, 0u);
  EXPECT_LE(overall.scanned_events, 5000u);

  // Ranges that cut hours: cells inside, the rows at the edges read one by one.
  const int64_t odd_from = kDay1 + 17 * 60000 + 3, odd_to = kDay1 + 2 * kDay + 5 * kHour + 11000;
  ExpectSketchedMatchesExact(*store, Spec("LCP", odd_from, odd_to));
  ExpectSketchedMatchesExact(*store, Spec("INP", odd_from, odd_to));

  AggregateSpec by_country = Spec("LCP", odd_from, all_to);
  by_country.group_by = {Dim("country", ColumnId::country)};
  ExpectSketchedMatchesExact(*store, by_country);

  AggregateSpec device_browser = Spec("LCP", all_from, all_to);
  device_browser.group_by = {Dim("device", ColumnId::device), Dim("browser", ColumnId::browser)};
  ExpectSketchedMatchesExact(*store, device_browser);

  AggregateSpec filtered = Spec("LCP", all_from, all_to);
  filtered.filters = {{Dim("device", ColumnId::device), {"mobile"}, {}, {}, {}},
                      {Dim("route", ColumnId::route), {}, {"/p/1"}, {"/p/10"}, {}}};
  ExpectSketchedMatchesExact(*store, filtered);

  AggregateSpec top = Spec("LCP", all_from, all_to);
  top.group_by = {Dim("release", ColumnId::release)};
  top.limit = 2;
  ExpectSketchedMatchesExact(*store, top);

  AggregateSpec hourly = Spec("LCP", odd_from, odd_to);
  hourly.bucket_ms = kHour;
  hourly.filters = {{Dim("device", ColumnId::device), {"mobile"}, {}, {}, {}}};
  AggregateResult series = ExpectSketchedMatchesExact(*store, hourly);
  EXPECT_GT(series.sketch_cells, 0u);

  AggregateSpec daily = Spec("INP", all_from, all_to);
  daily.bucket_ms = kDay;
  daily.group_by = {Dim("device", ColumnId::device)};
  ExpectSketchedMatchesExact(*store, daily);

  // Three dimensions are beyond the grouping sets: scanned, and still right.
  AggregateSpec three = Spec("LCP", all_from, all_to);
  three.group_by = {Dim("device", ColumnId::device), Dim("browser", ColumnId::browser),
                    Dim("country", ColumnId::country)};
  AggregateResult scanned = ExpectSketchedMatchesExact(*store, three);
  EXPECT_EQ(scanned.sketch_cells, 0u);
}

TEST_F(RollupTest, FoldedValuesAndDroppedSectionsFallBackToTheRows) {
  RollupLimits tight;
  tight.max_values = 3;  // most routes and countries fold
  tight.max_cells = 400;
  auto store = Open(tight);
  ASSERT_TRUE(store->Append({"p", RealisticVitals(20000, 2)}).ok());
  ASSERT_TRUE(store->Flush().ok());
  const int64_t from = kDay1, to = kDay1 + 3 * kDay;

  AggregateSpec rare_route = Spec("LCP", from, to);
  rare_route.filters = {{Dim("route", ColumnId::route), {"/p/117"}, {}, {}, {}}};
  ExpectSketchedMatchesExact(*store, rare_route);

  AggregateSpec by_route = Spec("LCP", from, to);
  by_route.group_by = {Dim("route", ColumnId::route)};
  EXPECT_EQ(ExpectSketchedMatchesExact(*store, by_route).sketch_cells, 0u);

  // Dimensions never filtered on still merge across folded values.
  AggregateResult overall = ExpectSketchedMatchesExact(*store, Spec("LCP", from, to));
  EXPECT_GT(overall.sketch_cells, 0u);
  EXPECT_EQ(overall.scanned_events, 0u);

  AggregateSpec hourly = Spec("INP", from, to);
  hourly.bucket_ms = kHour;
  hourly.group_by = {Dim("device", ColumnId::device)};
  ExpectSketchedMatchesExact(*store, hourly);
}

// A missing rollup is rebuilt from its segment at open. A damaged one is found when a query first
// reads the section (start-up reads only each file's index): that query and the later ones read
// the segment's rows instead, with the same answers.
TEST_F(RollupTest, AMissingRollupIsRebuiltAtOpenAndADamagedOneIsLeftOutWhenRead) {
  std::vector<std::string> rollups;
  {
    auto store = Open();
    ASSERT_TRUE(store->Append({"p", RealisticVitals(3000, 3)}).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  for (auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (entry.path().extension() == ".rollup") rollups.push_back(entry.path().string());
  }
  ASSERT_EQ(rollups.size(), 3u);  // one per day
  std::sort(rollups.begin(), rollups.end());
  std::filesystem::remove(rollups[0]);
  {
    // Inside the section a whole-day LCP query reads: its span cells.
    auto damaged = RollupReader::Open(Env::Default(), rollups[1]);
    ASSERT_TRUE(damaged.ok());
    const RollupSection* span = (*(*damaged)->Index())->Find("LCP", {}, 0);
    ASSERT_NE(span, nullptr);
    std::fstream f(rollups[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(span->offset + span->size / 2));
    f.put('\x7f');
  }
  auto store = Open();
  auto rebuilt = RollupReader::Open(Env::Default(), rollups[0]);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_TRUE((*rebuilt)->Verify().ok());
  for (int round = 0; round < 2; ++round) {
    AggregateResult overall =
        ExpectSketchedMatchesExact(*store, Spec("LCP", kDay1, kDay1 + 3 * kDay));
    EXPECT_GT(overall.scanned_events, 0u) << "the damaged day is read from its rows";
    AggregateResult days_with_rollups =
        ExpectSketchedMatchesExact(*store, Spec("LCP", kDay1, kDay1 + kDay));
    EXPECT_EQ(days_with_rollups.scanned_events, 0u);
  }
}

TEST_F(RollupTest, RecentDataGetsCellsPerMinuteAndOlderDataPerHour) {
  auto store = Open();
  // env_ is one hour into the fourth day: the first day is old, the third recent.
  ASSERT_TRUE(store
                  ->Append({"p",
                            {Vital(kDay1 + 5 * kHour, "LCP", 1000),
                             Vital(kDay1 + 2 * kDay + 23 * kHour, "LCP", 2000)}})
                  .ok());
  ASSERT_TRUE(store->Flush().ok());
  std::map<std::string, int64_t> resolution_by_day;
  for (auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (entry.path().extension() != ".rollup") continue;
    auto reader = RollupReader::Open(Env::Default(), entry.path().string());
    ASSERT_TRUE(reader.ok());
    const RollupSection* fine = nullptr;
    for (const RollupSection& s : (*(*reader)->Index())->sections) {
      if (s.resolution_ms > 0) fine = &s;
    }
    ASSERT_NE(fine, nullptr);
    resolution_by_day[entry.path().parent_path().filename().string()] = fine->resolution_ms;
  }
  EXPECT_EQ(resolution_by_day[UtcDay(kDay1)], kHour);
  EXPECT_EQ(resolution_by_day[UtcDay(kDay1 + 2 * kDay)], 60000);
}

// A current day's flushes are merged in tiers: segments of one size class four or more at a time,
// never across more than three hours (their rollups keep cells per minute); so the segments of a
// day stay few however many flushes it had, and every answer stays the same.
TEST_F(RollupTest, ACurrentDaysFlushesAreMergedInTiersKeepingMinuteCells) {
  env_.SetNowMillis(kDay1 + 8 * kHour);
  std::vector<Event> events = RealisticVitals(12000, 9);
  auto store = Open();
  auto uncompacted = Open({}, "uncompacted");  // the same flushes, never compacted
  auto flush = [&](size_t first, int64_t at) {
    std::vector<Event> part(events.begin() + first, events.begin() + first + 500);
    for (size_t i = 0; i < part.size(); ++i) part[i].ts = at + static_cast<int64_t>(i) * 10;
    for (EmbeddedStore* s : {store.get(), uncompacted.get()}) {
      ASSERT_TRUE(s->Append({"p", part}).ok());
      ASSERT_TRUE(s->Flush().ok());
    }
  };
  // Sixteen flushes of 500 events within two hours: one size class, merged into one segment.
  for (size_t f = 0; f < 16; ++f) flush(f * 500, kDay1 + static_cast<int64_t>(f) * 6 * 60000);
  ASSERT_EQ(store->Stats().segments, 16u);
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(store->Stats().segments, 1u);
  // Three more of that class wait for a fourth; with it they are merged too.
  for (size_t f = 16; f < 19; ++f) flush(f * 500, kDay1 + kHour + static_cast<int64_t>(f) * 60000);
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(store->Stats().segments, 4u);
  flush(19 * 500, kDay1 + 2 * kHour);
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(store->Stats().segments, 2u);
  // Four flushes five hours later are not merged with the earlier ones: three hours at most.
  for (size_t f = 20; f < 24; ++f)
    flush(f * 500, kDay1 + 6 * kHour + static_cast<int64_t>(f) * 60000);
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(store->Stats().segments, 3u);
  EXPECT_EQ(uncompacted->Stats().segments, 24u);

  AggregateSpec per_minute = Spec("LCP", kDay1, kDay1 + kDay);
  per_minute.bucket_ms = 60000;
  per_minute.group_by = {Dim("device", ColumnId::device)};
  EXPECT_GT(ExpectSketchedMatchesExact(*store, per_minute).sketch_cells, 0u);
  for (bool exact : {true, false}) {
    per_minute.exact = exact;
    const AggregateResult want = *uncompacted->Aggregate(per_minute);
    const AggregateResult got = *store->Aggregate(per_minute);
    ASSERT_EQ(got.rows.size(), want.rows.size());
    for (size_t r = 0; r < want.rows.size(); ++r) {
      EXPECT_EQ(got.rows[r].bucket_start, want.rows[r].bucket_start);
      EXPECT_EQ(got.rows[r].group, want.rows[r].group);
      for (size_t i = 0; i < want.rows[r].values.size(); ++i) {
        EXPECT_NEAR(got.rows[r].values[i], want.rows[r].values[i],
                    1e-9 * std::abs(want.rows[r].values[i]));
      }
    }
  }
}

// A scan reads the segments it started with to the end, though a compaction merges and deletes
// them meanwhile (their files go once no reader holds them).
TEST_F(RollupTest, AScanFinishesOnSegmentsCompactedAwayMeanwhile) {
  env_.SetNowMillis(kDay1 + 8 * kHour);
  std::vector<Event> events = RealisticVitals(2000, 11);
  auto store = Open();
  for (size_t f = 0; f < 4; ++f) {
    std::vector<Event> part(events.begin() + f * 500, events.begin() + (f + 1) * 500);
    for (Event& e : part) e.ts = kDay1 + static_cast<int64_t>(f) * kHour;
    ASSERT_TRUE(store->Append({"p", part}).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  ScanSpec spec;
  spec.project = "p";
  spec.from_ms = kDay1;
  spec.to_ms = kDay1 + kDay;
  spec.columns.set(static_cast<size_t>(ColumnId::value));
  uint64_t rows = 0;
  bool compacted = false;
  Status scanned = store->Scan(spec, [&](const ColumnBatch& batch) {
    rows += batch.rows;
    if (!compacted) {
      compacted = true;
      EXPECT_TRUE(store->Compact().ok());
      EXPECT_EQ(store->Stats().segments, 1u);
    }
    return Status::Ok();
  });
  EXPECT_TRUE(scanned.ok()) << scanned.ToString();
  EXPECT_EQ(rows, 2000u);
  EXPECT_EQ(store->Stats().corrupt_segments, 0u);
  // Once the scan let go of them, the merged segments' files are deleted.
  ASSERT_TRUE(store->Compact().ok());
  size_t files = 0;
  for (auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    files += entry.path().extension() == ".seg";
  }
  EXPECT_EQ(files, 1u);
}

// Compaction merges a partition without the flush lock: a flush asked for while a large run is
// being merged completes before the merge does.
TEST_F(RollupTest, AFlushCompletesWhileACompactionRuns) {
  env_.SetNowMillis(kDay1 + 3 * kHour);
  std::vector<Event> events = RealisticVitals(400000, 7);
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].ts = kDay1 + static_cast<int64_t>(i) * (2 * kHour) / 400000;
  }
  auto store = Open();
  for (size_t part = 0; part < 8; ++part) {
    ASSERT_TRUE(
        store->Append({"p", {events.begin() + part * 50000, events.begin() + (part + 1) * 50000}})
            .ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  env_.SetNowMillis(kDay1 + 3 * kDay);
  std::atomic<bool> compacted{false};
  std::thread compaction([&] {
    EXPECT_TRUE(store->Compact().ok());
    compacted = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the merge is under way
  ASSERT_TRUE(store->Append({"p", {Vital(kDay1 + 3 * kDay - kHour, "LCP", 1)}}).ok());
  ASSERT_TRUE(store->Flush().ok());
  const bool flushed_first = !compacted;
  compaction.join();
  EXPECT_TRUE(flushed_first) << "the flush waited for the whole compaction";
  EXPECT_EQ(store->Stats().segments, 2u);  // the merged day and the flushed event
  AggregateSpec all = Spec("LCP", kDay1, kDay1 + 3 * kDay);
  all.exact = true;
  all.stats = {{"samples", StatKind::kSamples}};
  const auto lcp =
      std::count_if(events.begin(), events.end(), [](const Event& e) { return e.name == "LCP"; });
  EXPECT_EQ(store->Aggregate(all)->rows[0].values[0], static_cast<double>(lcp + 1));
}

TEST_F(RollupTest, AgedDaysAreCompactedAndRolledUpToHoursThenDays) {
  // Two hours of one day, flushed in four parts while the day is current: four segments with
  // cells per minute.
  env_.SetNowMillis(kDay1 + 3 * kHour);
  std::vector<Event> events = RealisticVitals(40000, 5);
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].ts = kDay1 + static_cast<int64_t>(i) * (2 * kHour) / 40000;
  }
  auto store = Open();
  for (size_t part = 0; part < 4; ++part) {
    ASSERT_TRUE(
        store->Append({"p", {events.begin() + part * 10000, events.begin() + (part + 1) * 10000}})
            .ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  ASSERT_EQ(store->Stats().segments, 4u);
  auto files = [&](std::string_view extension) {
    size_t n = 0;
    for (auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
      n += entry.path().extension() == extension;
    }
    return n;
  };
  const int64_t from = kDay1, to = kDay1 + kDay;
  AggregateSpec per_minute = Spec("LCP", from, to);
  per_minute.bucket_ms = 60000;
  AggregateSpec hourly = Spec("LCP", from, to);
  hourly.bucket_ms = kHour;
  hourly.group_by = {Dim("device", ColumnId::device)};
  AggregateSpec daily = Spec("INP", from, to);
  daily.bucket_ms = kDay;
  daily.filters = {{Dim("country", ColumnId::country), {"AX", "BX"}, {}, {}, {}}};
  std::vector<AggregateSpec> specs = {Spec("LCP", from, to), per_minute, hourly, daily};
  std::vector<AggregateResult> before;
  for (AggregateSpec spec : specs) {
    spec.exact = true;
    before.push_back(*store->Aggregate(spec));
  }
  EXPECT_GT(ExpectSketchedMatchesExact(*store, per_minute).sketch_cells, 0u);

  // The day is not two days past yet: its four small segments (one size class, two hours) are
  // merged into one that keeps cells per minute.
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(store->Stats().segments, 1u);
  EXPECT_EQ(files(".seg"), 1u);
  EXPECT_EQ(files(".rollup"), 1u);
  EXPECT_NE(metrics_.Render().find("sightline_compacted_segments_total 4"), std::string::npos);
  EXPECT_GT(ExpectSketchedMatchesExact(*store, per_minute).sketch_cells, 0u);

  // Three days on: cells per hour; minutes come from the rows.
  env_.SetNowMillis(kDay1 + 3 * kDay);
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(store->Stats().segments, 1u);
  EXPECT_EQ(files(".seg"), 1u);
  EXPECT_EQ(files(".rollup"), 1u);
  EXPECT_EQ(ExpectSketchedMatchesExact(*store, per_minute).sketch_cells, 0u);
  EXPECT_GT(ExpectSketchedMatchesExact(*store, hourly).sketch_cells, 0u);
  EXPECT_GT(ExpectSketchedMatchesExact(*store, daily).sketch_cells, 0u);

  // Past kHourCellsFor (30 days): cells per day; hours come from the rows.
  env_.SetNowMillis(kDay1 + 40 * kDay);
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(store->Stats().segments, 1u);
  EXPECT_EQ(ExpectSketchedMatchesExact(*store, hourly).sketch_cells, 0u);
  EXPECT_GT(ExpectSketchedMatchesExact(*store, daily).sketch_cells, 0u);
  EXPECT_GT(ExpectSketchedMatchesExact(*store, Spec("LCP", from, to)).sketch_cells, 0u);

  // The exact answers never changed, and survive a restart.
  ASSERT_TRUE(store->Close().ok());
  store = Open();
  EXPECT_EQ(store->Stats().segments, 1u);
  for (size_t i = 0; i < specs.size(); ++i) {
    AggregateSpec spec = specs[i];
    spec.exact = true;
    Result<AggregateResult> after = store->Aggregate(spec);
    ASSERT_TRUE(after.ok());
    ASSERT_EQ(after->rows.size(), before[i].rows.size()) << i;
    for (size_t r = 0; r < after->rows.size(); ++r) {
      EXPECT_EQ(after->rows[r].group, before[i].rows[r].group);
      EXPECT_EQ(after->rows[r].bucket_start, before[i].rows[r].bucket_start);
      for (size_t v = 0; v < spec.stats.size(); ++v) {
        EXPECT_NEAR(after->rows[r].values[v], before[i].rows[r].values[v],
                    1e-9 * std::max(1.0, std::abs(before[i].rows[r].values[v])))
            << "spec " << i << " stat " << spec.stats[v].name;
      }
    }
  }
}

TEST(RollupFileTest, CellsRoundTripAndMergeToTheWholeSegmentsSketch) {
  std::vector<Event> events = RealisticVitals(5000, 4);
  ColumnBatchBuilder builder(RollupColumns());
  DDSketch all_lcp;
  for (const Event& e : events) {
    builder.Add(e);
    if (e.name == "LCP") all_lcp.Add(e.value, 1 / e.sample_rate);
  }
  const std::string bytes = BuildRollup(builder.Finish(), kHour, {});
  TempDir dir;
  const std::string path = JoinPath(dir.path(), "x.rollup");
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(path, bytes).ok());
  auto reader = RollupReader::Open(Env::Default(), path);
  ASSERT_TRUE(reader.ok());
  // Every grouping set's span, and the fine section of those of at most one dimension, hold all
  // the LCP values.
  for (const auto& set : RollupGroupingSets()) {
    EXPECT_EQ((*(*reader)->Index())->Find("LCP", set, kHour) != nullptr, set.size() < 2);
    for (int64_t resolution : {kHour, int64_t{0}}) {
      if (resolution > 0 && set.size() == 2) continue;
      const RollupSection* section = (*(*reader)->Index())->Find("LCP", set, resolution);
      ASSERT_NE(section, nullptr);
      DDSketch merged;
      ASSERT_TRUE((*reader)
                      ->ReadCells(*section,
                                  [&](const RollupCell& cell) {
                                    ASSERT_TRUE(merged.Merge(cell.sketch).ok());
                                  })
                      .ok());
      EXPECT_EQ(merged.samples(), all_lcp.samples());
      EXPECT_NEAR(merged.count(), all_lcp.count(), 1e-6);
      EXPECT_EQ(merged.Quantile(0.75), all_lcp.Quantile(0.75));
    }
  }
  // A flipped byte anywhere is caught: at open (index) or reading the section.
  for (size_t at : {size_t{9}, bytes.size() / 2, bytes.size() - 20}) {
    std::string damaged = bytes;
    damaged[at] ^= 0x40;
    ASSERT_TRUE(Env::Default()->WriteFileAtomic(path, damaged).ok());
    auto r = RollupReader::Open(Env::Default(), path);
    EXPECT_TRUE(!r.ok() || !(*r)->Verify().ok()) << "flipped byte " << at;
  }
}

}  // namespace
}  // namespace sightline
