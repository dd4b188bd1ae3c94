// Fuzz target: any bytes as the parameters of every /api/v1 route (filters, segments, times,
// intervals, windows), split into name=value pairs at '&' and the first '=' as the server's query
// string parser does (percent-decoding is the HTTP layer's, fuzzed apart). Parsing must never
// crash, and an accepted range is never empty, reversed or outside the times a query may name.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "query/api_calls_query.h"
#include "query/attribution_query.h"
#include "query/compare_query.h"
#include "query/coverage_query.h"
#include "query/crux_query.h"
#include "query/distribution_query.h"
#include "query/funnel_query.h"
#include "query/metrics_query.h"
#include "query/overview_query.h"
#include "query/session_list_query.h"
#include "query/session_query.h"
#include "query/timeseries_query.h"
#include "query/usage_query.h"

namespace {

constexpr int64_t kNow = 1795806000000;

void CheckRange(int64_t from_ms, int64_t to_ms) {
  if (from_ms >= to_ms || to_ms > sightline::kMaxQueryTimeMs ||
      from_ms < sightline::kMinQueryTimeMs - 400LL * 86400000) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sightline;
  QueryParams params;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    const std::string_view pair = rest.substr(0, rest.find('&'));
    rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
    const size_t eq = pair.find('=');
    params.emplace_back(std::string(pair.substr(0, eq)), eq == std::string_view::npos
                                                             ? std::string()
                                                             : std::string(pair.substr(eq + 1)));
  }
  AggregateSpec spec;
  if (!ParseMetricsQuery(params, kNow, &spec)) CheckRange(spec.from_ms, spec.to_ms);
  AggregateSpec distribution;
  (void)ParseDistributionQuery(params, kNow, &distribution);
  TimeseriesQuery timeseries;
  if (!ParseTimeseriesQuery(params, kNow, &timeseries)) {
    const AggregateSpec& first = timeseries.segments.front().spec;
    CheckRange(first.from_ms, first.to_ms);
    if ((first.to_ms - first.from_ms) / timeseries.interval_ms > kMaxBuckets) __builtin_trap();
  }
  OverviewQuery overview;
  if (!ParseOverviewQuery(params, kNow, &overview)) CheckRange(overview.from_ms, overview.to_ms);
  CoverageQuery coverage;
  (void)ParseCoverageQuery(params, kNow, &coverage);
  CruxQuery crux;
  (void)ParseCruxQuery(params, kNow, &crux);
  CompareQuery compare;
  (void)ParseCompareQuery(params, kNow, &compare);
  FunnelQuery funnel;
  (void)ParseFunnelQuery(params, kNow, &funnel);
  ApiCallsQuery api_calls;
  (void)ParseApiCallsQuery(params, kNow, &api_calls);
  AttributionQuery attribution;
  (void)ParseAttributionQuery(params, kNow, &attribution);
  SessionListQuery sessions;
  (void)ParseSessionListQuery(params, kNow, &sessions);
  SessionQuery summary;
  (void)ParseSessionSummaryQuery(params, kNow, &summary);
  for (auto kind : {UsageQuery::Kind::kEvents, UsageQuery::Kind::kPaths}) {
    UsageQuery usage;
    (void)ParseUsageQuery(kind, params, kNow, &usage);
  }
  return 0;
}
