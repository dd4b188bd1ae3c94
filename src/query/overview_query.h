// GET /api/v1/overview: the traffic and health of a project over a range, in total and per time
// bucket, in one scan of its page views, errors and API calls (docs/query-api.md) — what the
// dashboard's overview shows next to the vitals' percentiles:
// - page_views: weighted page views (soft navigations included);
// - sessions: weighted distinct sessions with a matching event, each counted in the bucket of its
//   first matching event;
// - errors and error_rate: weighted JavaScript errors (each counted `count` times, its repeats
//   on the page), and errors per page view;
// - api_calls, api_errors and api_error_rate: weighted API calls, those that failed (4xx, 5xx or no
//   status, as /api/v1/api_calls counts them), and their share.
// Filters apply to each event, as for /api/v1/metrics. With group_by (one dimension), the same
// counts per value of it (a session in the group of its first matching event), most page views
// first. Exact; memory per distinct session.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "store/store.h"

namespace sightline {

struct OverviewQuery {
  std::string project;
  int64_t from_ms = 0, to_ms = 0;
  int64_t interval_ms = 0;  // 0: totals only
  std::vector<DimensionFilter> filters;
  std::vector<DimensionRef> group_by;  // at most one
  size_t limit = 50;                   // groups kept, by page views
};

struct OverviewCounts {
  double page_views = 0, sessions = 0, errors = 0, api_calls = 0, api_errors = 0;  // weighted
  uint64_t page_view_samples = 0, session_samples = 0;
};

struct OverviewResult {
  OverviewCounts totals;
  std::vector<std::pair<int64_t, OverviewCounts>> buckets;     // (start, counts), every bucket
  std::vector<std::pair<std::string, OverviewCounts>> groups;  // (value, counts), with group_by
  uint64_t scanned_events = 0;
};

// Parameters: from, to, filter as for metrics; interval (Nm, Nh or 1d; none: totals only);
// group_by (one dimension, not flag) and limit (1-1000, default 50).
std::optional<QueryError> ParseOverviewQuery(const QueryParams& params, int64_t now_ms,
                                             OverviewQuery* query);
Result<OverviewResult> RunOverview(Store& store, const OverviewQuery& query);
std::string FormatOverview(const OverviewQuery& query, const OverviewResult& result);

}  // namespace sightline
