// Session-level questions (docs/query-api.md), answered over any Store by one scan that folds
// events into sessions:
// - GET /api/v1/sessions/summary: sessions and page views (weighted and not), bounce rate and
//   session length, grouped by up to three dimensions;
// - GET /api/v1/conversion: the rate of a business event per session, bucketed by the vital of the
//   session's landing page (LCP ≤ 2.5 s, 2.5-4 s, > 4 s by default), with 95% confidence
//   intervals — performance against outcome.
//
// A session is the events sharing a session_id (events without one, under minimal consent, are
// not in any). Its dimensions are those of its first event in the range (the landing page's route,
// the visitor's country...); filters and groups apply to them. Its weight is 1/sample_rate of its
// events (sampling keeps or drops whole sessions). Cost: memory per distinct session in the range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "store/store.h"

namespace sightline {

struct SessionQuery {
  std::string project;
  int64_t from_ms = 0, to_ms = 0;
  std::vector<DimensionFilter> filters;
  std::vector<DimensionRef> group_by;
  size_t limit = 0;  // summary: > 0 keeps the `limit` groups of most sessions, the rest as "other"
  // Conversion only: the vital whose landing-page value buckets a session, the business event
  // (a custom event's name), and the buckets' upper edges (the last bucket is open-ended).
  std::string vital;
  std::string event;
  std::vector<double> edges;
};

struct SessionSummaryRow {
  std::vector<std::string> group;
  bool other = false;
  double sessions = 0, page_views = 0;  // weighted
  uint64_t session_samples = 0, page_view_samples = 0;
  double bounce_rate = 0;  // weighted share of sessions with at most one page view
  double avg_length_ms = 0, p50_length_ms = 0;  // first to last event, weighted
};

struct ConversionRow {
  double from = 0;  // the bucket: (from, to]; the first from -inf, the last to +inf (JSON null)
  double to = 0;
  double sessions = 0, converted = 0;  // weighted
  uint64_t session_samples = 0, converted_samples = 0;
  double rate = 0;                 // converted / sessions; NaN without sessions
  double ci_low = 0, ci_high = 0;  // Wilson 95% interval at n = session_samples
};

struct ConversionResult {
  std::vector<ConversionRow> rows;
  double sessions_without_vital = 0;  // weighted
  uint64_t scanned_events = 0;
};

// Sessions and those that fired `query.event` (filters and range of `query`; group_by ignored).
struct SessionEventRate {
  double sessions = 0, converted = 0;  // weighted
  uint64_t session_samples = 0, converted_samples = 0;
};
Result<SessionEventRate> ComputeSessionEventRate(Store& store, const SessionQuery& query);

Result<std::vector<SessionSummaryRow>> SummarizeSessions(Store& store, const SessionQuery& query);
Result<ConversionResult> ComputeConversion(Store& store, const SessionQuery& query);

// Parameters: from, to, filter, group_by (up to three), limit as for /api/v1/metrics.
std::optional<QueryError> ParseSessionSummaryQuery(const QueryParams& params, int64_t now_ms,
                                                   SessionQuery* query);
// Parameters: name (the vital; default LCP), event (required), buckets (ascending upper edges;
// default Google's thresholds of the vital), from, to, filter.
std::optional<QueryError> ParseConversionQuery(const QueryParams& params, int64_t now_ms,
                                               SessionQuery* query);

std::string FormatSessionSummary(const SessionQuery& query,
                                 const std::vector<SessionSummaryRow>& rows);
std::string FormatConversion(const SessionQuery& query, const ConversionResult& result);

// The Wilson score interval for `successes` of `n` at 95%, centred on `rate` when given (a
// weighted rate) — [low, high] in [0, 1]; [0, 1] when n is 0.
std::pair<double, double> WilsonInterval(double rate, double n);

}  // namespace sightline
