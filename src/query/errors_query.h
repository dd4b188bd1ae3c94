// GET /api/v1/errors and /api/v1/errors/{fingerprint}: JavaScript errors grouped by fingerprint
// (errors/error_grouping.h), each occurrence's stack mapped through its release's source maps.
//
// One scan of the project's error events from the start of its retention to `to`:
// - occurrences in [from, to) that pass the filters make the figures: count (weighted, each
//   counting its `count` repeats), occurrences (stored events), sessions and users affected
//   (weighted distinct session ids; distinct user ids, a session without one counting as one
//   user), releases seen, the trend per bucket, and in the detail the breakdowns and the most
//   recent occurrences;
// - every occurrence, unfiltered, makes the group's history: first_seen, last_seen, the release
//   it first appeared in, and when each release first showed it. A group whose status is
//   "resolved" is a regression (reported as open, "regression": true) when it occurs after it was
//   resolved in a release that had not shown it before.
// Groups with no occurrence in the range and filters are not listed.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "errors/error_grouping.h"
#include "errors/error_states.h"
#include "query/metrics_query.h"
#include "store/store.h"

namespace sightline {

struct ErrorsQuery {
  std::string project;
  int64_t from_ms = 0, to_ms = 0;
  int64_t history_from_ms = 0;  // where first_seen is looked for: the retention's start
  std::vector<DimensionFilter> filters;
  std::string sort = "count";  // count | users | sessions | newest | last_seen
  std::string status;          // "": any; open (regressions included) | resolved | ignored
  size_t limit = 50;
  std::string fingerprint;  // the detail: this group only
  size_t occurrences = 20;  // the detail's recent occurrences
};

// What a query reads beside the store.
struct ErrorsContext {
  SourceMapResolver* maps = nullptr;  // may be null: stacks stay unmapped
  std::unordered_map<std::string, ErrorState> states;
};

// Parameters: from, to, filter as for metrics; sort (count, users, sessions, newest, last_seen;
// descending); status (open, resolved, ignored); limit (1-1000, default 50).
std::optional<QueryError> ParseErrorsQuery(const QueryParams& params, int64_t now_ms,
                                           ErrorsQuery* query);

// The list's response body.
Result<std::string> RunErrorsList(Store& store, const ErrorsQuery& query, ErrorsContext& context);
// The detail's response body; NotFound when the group has no occurrence since history_from_ms.
Result<std::string> RunErrorDetail(Store& store, const ErrorsQuery& query, ErrorsContext& context);

// A fingerprint as IdentifyError makes them: 16 lowercase hex digits.
bool ValidFingerprint(std::string_view fingerprint);

}  // namespace sightline
