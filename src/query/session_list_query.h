// GET /api/v1/sessions: sessions matching a search, newest or slowest first; and
// GET /api/v1/sessions/{id}: one session's timeline — every page view, vital, action, API call,
// error and custom event in time order (the session view; docs/query-api.md). Exact: one scan.
#pragma once

#include <optional>
#include <string>

#include "query/session_query.h"

namespace sightline {

struct SessionListQuery {
  SessionQuery sessions;  // project, range, filters (on the session's first event)
  bool had_error = false;
  std::string fired;           // a custom event the session fired ("" = any session)
  std::string poor_vital;      // "" none; a vital's name, or "any": a value of it in the poor band
  bool slowest_first = false;  // else newest first
  size_t limit = 50;
};

struct SessionTimelineQuery {
  std::string project;
  std::string session_id;
  int64_t from_ms = 0, to_ms = 0;
};

// Parameters: from, to, filter as for metrics; had_error (true/false), event, poor_vital (LCP,
// INP, CLS, FCP, TTFB, FID or any), sort (newest or slowest: by the session's worst LCP), limit
// (1-1000, default 50).
std::optional<QueryError> ParseSessionListQuery(const QueryParams& params, int64_t now_ms,
                                                SessionListQuery* query);
Result<std::string> RunSessionList(Store& store, const SessionListQuery& query);

// Parameters: from, to (default the 24 hours before now).
std::optional<QueryError> ParseSessionTimelineQuery(const QueryParams& params, int64_t now_ms,
                                                    SessionTimelineQuery* query);
Result<std::string> RunSessionTimeline(Store& store, const SessionTimelineQuery& query);

}  // namespace sightline
