// Micro-benchmarks of the ingest path's stages on realistic beacons (BeaconGenerator): parse and
// validate, encode for the WAL, and decode (what scans and flushes pay). Run by bench/run.sh; the
// figures to compare are bytes/s and items/s against the HTTP ceiling measured by bench/ingest.sh.
#include <benchmark/benchmark.h>

#include <vector>

#include "app/beacon_generator.h"
#include "common/env.h"
#include "ingest/beacon_parser.h"
#include "store/column_batch.h"
#include "store/ddsketch.h"
#include "store/event_codec.h"
#include "store/segment.h"

namespace sightline {
namespace {

constexpr int64_t kNow = 1795806000000;

std::vector<std::string> Beacons(size_t n) {
  BeaconGenerator generator(7);
  std::vector<std::string> out;
  for (size_t idx = 0; idx < n; ++idx) out.push_back(generator.Next(kNow, "bench-key"));
  return out;
}

void BM_ParseBeacon(benchmark::State& state) {
  std::vector<std::string> beacons = Beacons(256);
  LimitsConfig limits;
  BeaconParser parser(limits);
  ParsedBeacon out;
  size_t idx = 0, bytes = 0, events = 0;
  for (auto _ : state) {
    const std::string& body = beacons[idx++ % beacons.size()];
    out.rejected.clear();
    out.truncated.clear();
    auto error = parser.Parse(body, kNow, &out);
    benchmark::DoNotOptimize(error);
    bytes += body.size();
    events += out.batch.events.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseBeacon);

std::vector<EventBatch> ParsedBatches() {
  LimitsConfig limits;
  BeaconParser parser(limits);
  std::vector<EventBatch> batches;
  for (const std::string& body : Beacons(256)) {
    ParsedBeacon out;
    if (!parser.Parse(body, kNow, &out)) {
      out.batch.project = "bench";
      batches.push_back(std::move(out.batch));
    }
  }
  return batches;
}

void BM_EncodeBatch(benchmark::State& state) {
  std::vector<EventBatch> batches = ParsedBatches();
  std::string encoded;
  size_t idx = 0, bytes = 0;
  for (auto _ : state) {
    encoded.clear();
    EncodeEventBatch(batches[idx++ % batches.size()], &encoded);
    bytes += encoded.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EncodeBatch);

void BM_DecodeBatch(benchmark::State& state) {
  std::vector<std::string> encoded;
  for (const EventBatch& batch : ParsedBatches()) {
    encoded.emplace_back();
    EncodeEventBatch(batch, &encoded.back());
  }
  EventBatch out;
  size_t idx = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& record = encoded[idx++ % encoded.size()];
    Status status = DecodeEventBatch(record, &out);
    benchmark::DoNotOptimize(status);
    bytes += record.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_DecodeBatch);

// The flusher's work per beacon: WAL records turned into columns (dictionaries, one builder per
// project and day) and written as a segment (zstd, CRC, fsync) under the system's temp directory.
void BM_FlushToSegment(benchmark::State& state) {
  std::vector<std::string> encoded;
  for (const EventBatch& batch : ParsedBatches()) {
    encoded.emplace_back();
    EncodeEventBatch(batch, &encoded.back());
  }
  Env* env = Env::Default();
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = JoinPath(tmp ? tmp : "/tmp", "sightline-bench-flush.seg");
  constexpr size_t kBeaconsPerSegment = 4096;
  ColumnBatchBuilder builder;
  auto pick = [&](std::string_view, int64_t) { return &builder; };
  size_t idx = 0, beacons = 0;
  for (auto _ : state) {
    builder.Reserve(kBeaconsPerSegment * 10);  // as the store's flush does
    for (size_t n = 0; n < kBeaconsPerSegment; ++n) {
      Status status = DecodeEventBatchInto(encoded[idx++ % encoded.size()], pick);
      benchmark::DoNotOptimize(status);
    }
    Result<SegmentInfo> info = WriteSegment(env, path, builder.Finish());
    if (!info.ok()) state.SkipWithError(info.status().ToString().c_str());
    beacons += kBeaconsPerSegment;
  }
  static_cast<void>(env->RemoveFile(path));  // best effort: the file is in the temp directory
  state.counters["beacons/s"] =
      benchmark::Counter(static_cast<double>(beacons), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FlushToSegment)->Unit(benchmark::kMillisecond);

// DDSketch at ingest: one Add per vital, and a query's Merge of per-minute sketches then Quantile.
void BM_DDSketchAdd(benchmark::State& state) {
  std::vector<double> values;
  for (int i = 0; i < 4096; ++i) values.push_back(300 + (i * 7919) % 6000);
  DDSketch sketch;
  size_t i = 0;
  for (auto _ : state) sketch.Add(values[i++ % values.size()]);
  benchmark::DoNotOptimize(sketch.count());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_DDSketchAdd);

void BM_DDSketchMergeAndQuantile(benchmark::State& state) {
  // A day of per-minute sketches of 100 values each.
  std::vector<DDSketch> minutes(1440);
  for (size_t m = 0; m < minutes.size(); ++m) {
    for (int i = 0; i < 100; ++i) minutes[m].Add(300 + ((m * 100 + i) * 7919) % 6000);
  }
  for (auto _ : state) {
    DDSketch day;
    for (const DDSketch& minute : minutes) (void)day.Merge(minute);
    benchmark::DoNotOptimize(day.Quantile(0.75));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * minutes.size()));
}
BENCHMARK(BM_DDSketchMergeAndQuantile);

}  // namespace
}  // namespace sightline

BENCHMARK_MAIN();
