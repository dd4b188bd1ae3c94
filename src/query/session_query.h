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
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "store/store.h"
#include "store/string_interner.h"

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
  // The events the fold reads, by type and by name ("" for events without one); empty reads
  // every event. A query that needs some kinds only names them, so the store skips the others
  // (vitals are most rows): its sessions are then those with such an event in the range.
  std::vector<std::string> event_types;
  std::vector<std::string> event_names;
  std::vector<std::string> event_named_types;  // the types event_names applies to (empty: all)
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
inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::max();

// One session as the scan folds it.
struct SessionAcc {
  int64_t first_ts = kNoTime;
  int64_t last_ts = std::numeric_limits<int64_t>::min();
  uint32_t page_views = 0;
  bool converted = false;
  double weight = 1;
  int64_t vital_ts = kNoTime;
  double vital_value = 0;
};

// The sessions of a query's range as one scan folds them (CollectSessions).
struct SessionCollector {
  std::vector<ColumnId> columns;  // the dimensions filtered or grouped on
  std::vector<std::vector<std::string>> dicts;
  std::vector<StringInterner> interners;
  std::vector<SessionAcc> sessions;
  // Of sessions[i]: the dimensions of its first event, ids into dicts, at dims[i * columns.size()
  // + column index]; and its session_id, ids[i + 1] (ids[0] is "").
  std::vector<uint32_t> dims;
  InternedStrings ids;
  uint64_t scanned = 0;
  // Per worker of the scan: the index in `sessions` of each session it folded (the `session` its
  // SessionEventHook calls got).
  std::vector<std::vector<size_t>> index_of;

  // Joins what a hook kept per worker and session (per_worker[w][session], possibly shorter than
  // the worker's sessions: default values fill in) into one vector indexed like `sessions`:
  // merge(into, from) takes another worker's value of a session into the joined one.
  template <typename T, typename Merge>
  std::vector<T> Join(std::vector<std::vector<T>> per_worker, Merge merge) const {
    std::vector<T> out = std::move(per_worker[0]);
    out.resize(sessions.size());
    for (size_t w = 1; w < per_worker.size(); ++w) {
      for (size_t i = 0; i < per_worker[w].size(); ++i) {
        merge(out[index_of[w][i]], std::move(per_worker[w][i]));
      }
    }
    return out;
  }

  std::string_view id(size_t session) const { return ids[static_cast<uint32_t>(session + 1)]; }
  std::string_view value(size_t session, ColumnId column) const {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] == column) return dicts[i][dims[session * columns.size() + i]];
    }
    return {};
  }
  bool Matches(size_t session, const std::vector<DimensionFilter>& filters) const {
    for (const DimensionFilter& f : filters) {
      if (!MatchesFilter(f, value(session, f.dim.column))) return false;
    }
    return true;
  }
};

// The scan's workers (one per core, at most 8): each reads and folds whole segments.
size_t SessionWorkers();

// Called for every event of a session in the range after the session's fold took it: (worker,
// the session's index among that worker's, batch, row); per worker in scan order, not time order.
// Workers run concurrently and a session spanning segments may be seen by several: keep state
// per worker and session, and SessionCollector::Join it afterwards.
using SessionEventHook = std::function<void(size_t, size_t, const ColumnBatch&, size_t)>;

// Folds the events of `query`'s project and range into sessions: the dimensions of `query`'s
// filters and group_by (of each session's first event), its weight, page views, first and last
// time, its first value of `query.vital` and whether it fired `query.event`. `extra_columns` are
// read too, for `on_event`. Filters are not applied (SessionCollector::Matches does).
Status CollectSessions(Store& store, const SessionQuery& query, SessionCollector* c,
                       const ColumnSet& extra_columns = {}, const SessionEventHook& on_event = {});

Result<SessionEventRate> ComputeSessionEventRate(Store& store, const SessionQuery& query);

Result<std::vector<SessionSummaryRow>> SummarizeSessions(Store& store, const SessionQuery& query);
Result<ConversionResult> ComputeConversion(Store& store, const SessionQuery& query);
// The same from sessions already folded with `query`'s vital and event (CollectSessions).
ConversionResult ConversionOf(const SessionCollector& c, const SessionQuery& query);

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
