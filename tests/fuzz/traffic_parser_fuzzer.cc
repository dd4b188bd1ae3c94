// Fuzz target: any bytes as the body of POST /v1/traffic. Parsing must never crash or read out
// of bounds, and every count either is accepted with a minute on a minute boundary and a
// non-negative number of requests, or is rejected with its index.
#include <cstdint>
#include <string_view>

#include "ingest/traffic_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sightline::TrafficParser parser{sightline::LimitsConfig()};
  sightline::ParsedTraffic out;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  if (parser.Parse(body, 1795806000000, &out)) return 0;
  for (const sightline::TrafficCount& count : out.counts) {
    if (count.minute_ms % 60000 != 0 || count.requests < 0 || count.route.empty()) {
      __builtin_trap();
    }
  }
  for (const sightline::TrafficRejection& r : out.rejected) {
    if (r.index >= out.counts.size() + out.rejected.size()) __builtin_trap();
  }
  return 0;
}
