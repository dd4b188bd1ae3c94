// GET /api/v1/traces/{trace_id}: one trace's waterfall, from the user's click to the database
// (docs/query-api.md). The browser's side is the agent's `api_call` event carrying the trace id
// (its span id is the parent the backend's server span names) or spans of the OpenTelemetry web
// SDK; the backend's side is the spans received at /v1/traces.
//
// Spans are linked by parent span id and listed depth first (a parent before its children,
// siblings by start). Where a client span calls a server span (browser fetch → backend, service →
// service), the time between them is made explicit as a gap: before_ms from the client's start to
// the server's (network and queueing on the way in), after_ms from the server's end to the
// client's (the way back). Clocks differ between machines: a server span that starts before its
// client span or after it ended is moved, with its subtree, to the middle of the client span (the
// two network legs taken as equal), and the shift is reported as clock_adjusted_ms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "store/store.h"

namespace sightline {

struct TraceQuery {
  std::string project;
  std::string trace_id;  // 32 lowercase hex digits
  int64_t from_ms = 0, to_ms = 0;
};

// `trace_id` from the path: 32 hex digits. Parameters: from, to (default: the 7 days to now).
std::optional<QueryError> ParseTraceQuery(std::string_view trace_id, const QueryParams& params,
                                          int64_t now_ms, TraceQuery* query);
// The response body; NotFound when no span or call of the trace is in the range.
Result<std::string> RunTraceQuery(Store& store, const TraceQuery& query);

// What the backend did for a set of traces: per trace id, its spans, services, and the server
// span the browser's call reached (the span whose parent is `browser_span_id`).
struct TraceSummary {
  std::string trace_id;
  std::string browser_span_id;  // the api_call's span id
  int64_t spans = 0;
  std::vector<std::string> services;
  double backend_ms = -1;  // the server span's duration; -1 when none arrived
  bool error = false;      // a span of the trace failed
};
// Fills spans, services, backend_ms and error of each summary from the spans of `project` in
// [from_ms, to_ms).
Status SummarizeTraces(Store& store, const std::string& project, int64_t from_ms, int64_t to_ms,
                       std::vector<TraceSummary>* traces);

}  // namespace sightline
