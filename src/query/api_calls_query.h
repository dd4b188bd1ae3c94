// GET /api/v1/api_calls: the backend calls pages make, per endpoint (method and request_route, the
// called URL's host and templated path): weighted count, p50/p75/p95 duration, and the share of
// each status class — 2xx, 3xx, 4xx, 5xx, and failed (no status: network error, CORS, abort) —
// with the error rate (4xx + 5xx + failed). Exact: one scan (docs/query-api.md).
#pragma once

#include <optional>
#include <string>

#include "query/metrics_query.h"
#include "store/store.h"

namespace sightline {

struct ApiCallsQuery {
  std::string project;
  int64_t from_ms = 0, to_ms = 0;
  std::vector<DimensionFilter> filters;  // on the call's own event
  size_t limit = 50;
  std::string sort = "count";  // count | p75 | error_rate
};

// Parameters: from, to, filter as for metrics; limit (1-1000, default 50); sort (count, p75 or
// error_rate; descending).
std::optional<QueryError> ParseApiCallsQuery(const QueryParams& params, int64_t now_ms,
                                             ApiCallsQuery* query);
// The response body.
Result<std::string> RunApiCallsQuery(Store& store, const ApiCallsQuery& query);

}  // namespace sightline
