// GET /api/v1/long_frames: the long animation frames (over 50 ms; long tasks where the browser has
// no Long Animation Frames) pages had, by the script that caused them — its URL and function, the
// longest script of the frame as the agent reports it — with their weighted count, total and total
// blocking time and p75 duration. Exact: one scan (docs/query-api.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "store/store.h"

namespace sightline {

struct LongFramesQuery {
  std::string project;
  int64_t from_ms = 0, to_ms = 0;
  std::vector<DimensionFilter> filters;
  size_t limit = 20;
  std::string sort = "blocking";  // blocking | count
};

// Parameters: from, to, filter as for metrics; limit (1-1000, default 20); sort (blocking or
// count; descending).
std::optional<QueryError> ParseLongFramesQuery(const QueryParams& params, int64_t now_ms,
                                               LongFramesQuery* query);
// The response body. Errors: the store's, and ResourceExhausted past the query's memory limit.
Result<std::string> RunLongFramesQuery(Store& store, const LongFramesQuery& query);

}  // namespace sightline
