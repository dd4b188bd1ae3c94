// GET /api/v1/attribution: what a vital's values are about, from the attribution the agent sends
// with each (web-vitals' attribution build): per `element` (LCP's element, INP's interaction
// target, CLS's largest shift) or per LCP resource `url`, the weighted count, share and p75 of the
// vital, and the p75 of the attribution's own timing members that explain it (LCP: resource load
// delay and duration, element render delay, time to first byte; INP: input delay, processing
// duration, presentation delay). Exact: one scan of the vital's rows (docs/query-api.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "store/store.h"

namespace sightline {

struct AttributionQuery {
  std::string project;
  std::string name;            // the vital
  std::string by = "element";  // element | url
  std::string sort = "count";  // count | p75
  int64_t from_ms = 0, to_ms = 0;
  std::vector<DimensionFilter> filters;
  size_t limit = 20;
};

// Parameters: name (a vital, required), by (element or url), sort (count or p75, descending),
// from, to, filter as for metrics, limit (1-1000, default 20).
std::optional<QueryError> ParseAttributionQuery(const QueryParams& params, int64_t now_ms,
                                                AttributionQuery* query);
// The response body.
Result<std::string> RunAttributionQuery(Store& store, const AttributionQuery& query);

}  // namespace sightline
