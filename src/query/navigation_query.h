// GET /api/v1/navigation: the phases of page loads (the agent's navigation timing of each hard
// page view: dns, tcp, tls, request, ttfb, dom_interactive, dom_content_loaded, load, in ms) as
// weighted p50/p75/p95 per group of any dimensions. Exact: one aggregation per phase over the
// page views that measured it (soft and bfcache page views have no timing) (docs/query-api.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "store/store.h"

namespace sightline {

struct NavigationQuery {
  std::string project;
  int64_t from_ms = 0, to_ms = 0;
  std::vector<DimensionFilter> filters;
  std::vector<DimensionRef> group_by;
  size_t limit = 50;  // groups, by page views measured
};

// Parameters: from, to, filter and group_by as for metrics; limit (1-1000, default 50).
std::optional<QueryError> ParseNavigationQuery(const QueryParams& params, int64_t now_ms,
                                               NavigationQuery* query);
// The response body. Errors: the store's, and ResourceExhausted past the query's limits.
Result<std::string> RunNavigationQuery(Store& store, const NavigationQuery& query);

}  // namespace sightline
