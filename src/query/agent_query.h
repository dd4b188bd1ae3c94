// GET /api/v1/agent: what the browser agent costs the pages it runs on, in the field. From the
// agent's `sightline_footprint` events (its main-thread time, the bytes and beacons it sent, the
// errors it swallowed, as of the last time each page was hidden): per browser and release, the
// weighted p50/p75/p95 of each over page views. Exact: one scan (docs/query-api.md).
#pragma once

#include <optional>
#include <string>

#include "query/metrics_query.h"
#include "store/store.h"

namespace sightline {

struct AgentQuery {
  std::string project;
  int64_t from_ms = 0, to_ms = 0;
  std::vector<DimensionFilter> filters;
  size_t limit = 50;
};

// Parameters: from, to, filter as for metrics; limit (1-1000, default 50).
std::optional<QueryError> ParseAgentQuery(const QueryParams& params, int64_t now_ms,
                                          AgentQuery* query);
// The response body.
Result<std::string> RunAgentQuery(Store& store, const AgentQuery& query);

}  // namespace sightline
