// GET /api/v1/timeseries: a vital's statistics per time bucket (1 minute to 1 day), for the
// whole filtered set or for up to four segments side by side (docs/query-api.md). Every bucket of
// the range is answered, empty ones with a count of 0 and null statistics, so charts show gaps.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "store/aggregate.h"

namespace sightline {

inline constexpr size_t kMaxSegments = 4;
inline constexpr int64_t kMaxBuckets = 10000;

struct TimeseriesQuery {
  struct Segment {
    std::string label;   // the segment's filter text, as given
    AggregateSpec spec;  // the base query with the segment's filters added
  };
  int64_t interval_ms = 0;
  std::vector<Segment> segments;  // one without a label when no `segment` was given
};

// Parameters: name, stats, from, to and filter as for /api/v1/metrics; interval (Nm, Nh or 1d,
// from 1m to 1d; default 1h); segment (repeatable, up to four; filter clauses). Fills all but the
// specs' `project`.
std::optional<QueryError> ParseTimeseriesQuery(const QueryParams& params, int64_t now_ms,
                                               TimeseriesQuery* query);

// {"interval_ms", "from", "to", "series": [{"segment": label | null,
//   "points": [{"t": bucket start, "<stat>": value | null, ...}]}], "exact", "source"}
std::string FormatTimeseries(const TimeseriesQuery& query,
                             const std::vector<AggregateResult>& per_segment);

}  // namespace sightline
