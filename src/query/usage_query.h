// How the app is used (docs/query-api.md), each answered by one scan that folds events into
// sessions (query/session_query.h), weighted by 1/sample_rate, shares over the sessions matching
// the filters:
// - GET /api/v1/events: business (custom) events — count, sum of value, share of sessions firing;
// - GET /api/v1/interactions: the most clicked elements (by=target) or the features used
//   (by=feature, `data-track-feature`) with rage clicks and the share of sessions (adoption);
// - GET /api/v1/forms: per form, submits and abandonments, the abandonment rate, the median time to
//   submit, and the fields where abandoning visitors left;
// - GET /api/v1/paths: the most common sequences of the first pages of a session, and per page the
//   sessions that left there (drop-off).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/session_query.h"

namespace sightline {

struct UsageQuery {
  // kConversion: /api/v1/conversion's answer (sessions.vital, event, edges), a part of usage only.
  enum class Kind { kEvents, kInteractions, kForms, kPaths, kConversion };
  Kind kind = Kind::kEvents;
  SessionQuery sessions;    // project, range, filters
  size_t limit = 20;        // rows at most (1-1000)
  bool by_feature = false;  // interactions: by feature instead of target
  size_t depth = 3;         // paths: pages per sequence (1-10)
};

// Parameters: from, to, filter as for /api/v1/metrics; limit (default 20); interactions: by
// (target or feature); paths: depth.
std::optional<QueryError> ParseUsageQuery(UsageQuery::Kind kind, const QueryParams& params,
                                          int64_t now_ms, UsageQuery* query);
// The response body.
Result<std::string> RunUsageQuery(Store& store, const UsageQuery& query);

// GET /api/v1/usage: several of the above from one scan (the dashboard's behaviour view). `parts`:
// comma-separated events, interactions (by target), features (interactions by feature), forms,
// paths (default: these five), and conversion (/api/v1/conversion's answer, with its parameters
// event, name, buckets; its vital is then read too), with their own parameters (limit, depth) and
// the shared from, to, filter. The answer: {"<part>": <that endpoint's answer>, ...}.
std::optional<QueryError> ParseUsageParts(const QueryParams& params, int64_t now_ms,
                                          std::vector<std::string>* names,
                                          std::vector<UsageQuery>* queries);
// The answers of `queries` (which share their sessions' project, range and filters), in order.
Result<std::vector<std::string>> RunUsageQueries(Store& store,
                                                 const std::vector<UsageQuery>& queries);

}  // namespace sightline
