// GET /api/v1/resources: what pages load, from the agent's resource summaries (one `resource`
// event per page view: its slowest five resources, totals per third-party domain, the
// render-blocking ones): the slowest resources by total time or bytes, third-party domains by
// total time or bytes, and the render-blocking resources with the share of page views they block.
// Weighted by 1/sample_rate; exact: one scan (docs/query-api.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "store/store.h"

namespace sightline {

struct ResourcesQuery {
  std::string project;
  int64_t from_ms = 0, to_ms = 0;
  std::vector<DimensionFilter> filters;  // on the page view's dimensions (route, device, ...)
  size_t limit = 20;                     // rows of each list
  std::string sort = "time";             // time | bytes
};

// Parameters: from, to, filter as for metrics; limit (1-1000, default 20); sort (time or bytes).
std::optional<QueryError> ParseResourcesQuery(const QueryParams& params, int64_t now_ms,
                                              ResourcesQuery* query);
// The response body. Errors: the store's, and ResourceExhausted past the query's memory limit.
Result<std::string> RunResourcesQuery(Store& store, const ResourcesQuery& query);

}  // namespace sightline
