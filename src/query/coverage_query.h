// GET /api/v1/coverage: the share of the page loads a backend served (POST /v1/traffic) that
// Sightline saw as page views, overall and by route (docs/query-api.md). Page views are weighted
// by 1/sample_rate; soft navigations (single-page-app route changes) are not page loads and are
// left out. Parameters: from/to as for metrics, and `filter` on `route` and `service`.
#pragma once

#include <optional>
#include <string>

#include "query/metrics_query.h"
#include "store/aggregate.h"

namespace sightline {

struct CoverageQuery {
  AggregateSpec page_views;     // weighted count of hard page views, by route
  AggregateSpec page_requests;  // sum of the traffic counts, by route
};

// Fills both specs but `project`.
std::optional<QueryError> ParseCoverageQuery(const QueryParams& params, int64_t now_ms,
                                             CoverageQuery* query);

// {"from", "to", "page_views", "page_requests", "coverage",
//  "routes": [{"route", "page_views", "page_requests", "coverage"}]} — routes by page requests,
// descending; coverage is null where no request was counted.
std::string FormatCoverage(const CoverageQuery& query, const AggregateResult& page_views,
                           const AggregateResult& page_requests);

}  // namespace sightline
