// GET /api/v1/distribution: the histogram of a vital — the weighted number of values in each of
// `bins` equal bins from 0 to `max` (default per vital), the last open-ended (docs/query-api.md).
#pragma once

#include <optional>
#include <string>

#include "query/metrics_query.h"
#include "store/aggregate.h"

namespace sightline {

inline constexpr size_t kMaxBins = 200;

// Parameters: name, from, to and filter as for /api/v1/metrics; bins (1-200, default 40) and
// max (> 0; default 10000 for LCP, 1000 INP, 1 CLS, 6000 FCP, 4000 TTFB, 500 FID). Fills all
// but `project`: one kCountIn stat per bin, then count and samples.
std::optional<QueryError> ParseDistributionQuery(const QueryParams& params, int64_t now_ms,
                                                 AggregateSpec* spec);

// {"from", "to", "count", "samples", "bins": [{"from": a, "to": b | null, "count": c}]}
std::string FormatDistribution(const AggregateSpec& spec, const AggregateResult& result);

}  // namespace sightline
