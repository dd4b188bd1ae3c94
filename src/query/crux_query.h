// GET /api/v1/crux: Sightline's numbers the way Google's Chrome UX Report computes them, so that a
// user can hold one against the other (docs/query-api.md): Chrome on Android and desktop only
// (uap families "Chrome" and "Chrome Mobile"; Chrome on iOS is WebKit and not in CrUX), every
// page view weighted alike (by 1/sample_rate: one vital per page view), the 75th percentile and
// the good / needs-improvement / poor densities over the 28 days before `to`, for LCP, INP, CLS,
// FCP and TTFB, optionally per device (CrUX's form factor).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "store/aggregate.h"

namespace sightline {

inline constexpr int64_t kCruxWindowMs = 28ll * 24 * 3600 * 1000;

struct CruxQuery {
  std::vector<AggregateSpec> specs;  // one per vital, in kCruxVitals order
};

// Parameters: to (default now; the window is the 28 days before it), filter and group_by (at
// most one dimension) as for metrics, exact. Fills all but the specs' `project`.
std::optional<QueryError> ParseCruxQuery(const QueryParams& params, int64_t now_ms,
                                         CruxQuery* query);

// {"from", "to", "browsers": [...], "rows": [{"group": {...}, "LCP": {"p75", "good", "ni",
//  "poor", "count"}, ...}]}
std::string FormatCrux(const CruxQuery& query, const std::vector<AggregateResult>& per_vital);

}  // namespace sightline
