// GET /api/v1/funnel: ordered steps within a session — page views of a route or business events —
// the sessions reaching each step within a window of the first, the conversion from the start and
// from the previous step, and the median time between steps, optionally per segment
// (docs/query-api.md). A session counts at the deepest step any of its first-step occurrences
// reaches (ClickHouse's windowFunnel): each step strictly after the previous one, all within the
// window of that first step. Weighted by 1/sample_rate.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/session_query.h"

namespace sightline {

inline constexpr size_t kMaxFunnelSteps = 10;

struct FunnelStep {
  enum class Kind { kPage, kEvent };
  Kind kind;
  std::string value;  // the route or the custom event's name
  std::string text;   // as given: "page:/cart"
};

struct FunnelQuery {
  SessionQuery sessions;  // project, range, filters, group_by (at most one dimension)
  std::vector<FunnelStep> steps;
  int64_t window_ms = 0;
};

struct FunnelStepResult {
  double sessions = 0;  // weighted
  uint64_t session_samples = 0;
  double median_ms_from_previous = 0;  // weighted nearest rank; NaN for the first step
};

struct FunnelGroup {
  std::vector<std::string> group;
  std::vector<FunnelStepResult> steps;
};

// Parameters: steps (2-10, comma-separated page:<route> or event:<name>), window (Nm, Nh or Nd,
// 1m-7d; default 30m), from, to, filter, group_by (at most one dimension).
std::optional<QueryError> ParseFunnelQuery(const QueryParams& params, int64_t now_ms,
                                           FunnelQuery* query);
Result<std::vector<FunnelGroup>> RunFunnel(Store& store, const FunnelQuery& query);
std::string FormatFunnel(const FunnelQuery& query, const std::vector<FunnelGroup>& groups);

}  // namespace sightline
