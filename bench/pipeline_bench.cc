// Micro-benchmarks of the ingest path's stages on realistic beacons (BeaconGenerator): parse and
// validate, encode for the WAL, and decode (what scans and flushes pay). Run by bench/run.sh; the
// figures to compare are bytes/s and items/s against the HTTP ceiling measured by bench/ingest.sh.
#include <benchmark/benchmark.h>

#include <vector>

#include "app/beacon_generator.h"
#include "ingest/beacon_parser.h"
#include "store/event_codec.h"

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

}  // namespace
}  // namespace sightline

BENCHMARK_MAIN();
