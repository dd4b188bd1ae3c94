#include "query/session_list_query.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/json_writer.h"
#include "common/strings.h"
#include "common/vitals.h"
#include "query/dimensions.h"
#include "query/trace_query.h"

namespace sightline {
namespace {

constexpr std::string_view kShownDimensions[] = {"route",   "country", "device",
                                                 "browser", "os",      "release"};
constexpr std::string_view kWorstVitals[] = {"LCP", "INP", "CLS"};
// How far from a session's first and last event its calls' backend spans are looked for (clocks
// of backends and browsers differ; exporters send late).
constexpr int64_t kTraceSlackMs = 5 * 60 * 1000;

// What the list shows of a session beyond its fold.
struct SessionFacts {
  uint32_t errors = 0, actions = 0, api_calls = 0;
  bool fired = false;
  bool poor = false;
  double worst[std::size(kWorstVitals)] = {NAN, NAN, NAN};

  // Takes in what another worker saw of the same session.
  void Merge(const SessionFacts& o) {
    errors += o.errors;
    actions += o.actions;
    api_calls += o.api_calls;
    fired = fired || o.fired;
    poor = poor || o.poor;
    for (size_t i = 0; i < std::size(worst); ++i) {
      if (!(o.worst[i] <= worst[i])) worst[i] = std::isnan(o.worst[i]) ? worst[i] : o.worst[i];
    }
  }
};

// The columns the timeline shows once for the whole session, from its first event.
constexpr ColumnId kContextColumns[] = {
    ColumnId::consent,     ColumnId::sample_rate, ColumnId::release,
    ColumnId::environment, ColumnId::service,     ColumnId::user_id,
    ColumnId::tier,        ColumnId::flags,       ColumnId::connection,
    ColumnId::rtt,         ColumnId::downlink,    ColumnId::save_data,
    ColumnId::country,     ColumnId::region,      ColumnId::city,
    ColumnId::device,      ColumnId::browser,     ColumnId::browser_version,
    ColumnId::os,          ColumnId::os_version};

bool IsContextColumn(size_t col) {
  for (ColumnId c : kContextColumns) {
    if (static_cast<size_t>(c) == col) return true;
  }
  return false;
}

// Writes column `col` of `row` under its name when it is not null.
void WriteColumn(JsonWriter& w, const ColumnBatch& batch, size_t col, size_t row) {
  const Column& c = batch.columns[col];
  const std::string_view name = kColumns[col].name;
  switch (kColumns[col].kind) {
    case ColumnKind::kInt64:
      if (IsNull(c.ints[row])) return;
      w.Key(name);
      w.Int(c.ints[row]);
      return;
    case ColumnKind::kDouble:
      if (IsNull(c.doubles[row])) return;
      w.Key(name);
      w.Double(c.doubles[row]);
      return;
    case ColumnKind::kString: {
      const std::string_view v = c.str(row);
      if (v.empty()) return;
      w.Key(name);
      if (col == static_cast<size_t>(ColumnId::attributes) ||
          col == static_cast<size_t>(ColumnId::breadcrumbs)) {
        w.Raw(v);  // stored as JSON text
      } else if (col == static_cast<size_t>(ColumnId::flags)) {
        w.BeginArray();
        std::string_view rest = v;
        while (true) {
          const size_t sep = rest.find(kFlagSeparator);
          w.String(rest.substr(0, sep));
          if (sep == std::string_view::npos) break;
          rest.remove_prefix(sep + 1);
        }
        w.EndArray();
      } else {
        w.String(v);
      }
      return;
    }
  }
}

}  // namespace

std::optional<QueryError> ParseSessionListQuery(const QueryParams& params, int64_t now_ms,
                                                SessionListQuery* query) {
  SessionQuery& s = query->sessions;
  if (auto err = ParseTimeRange(params, now_ms, &s.from_ms, &s.to_ms)) return err;
  if (auto err = ParseFilters(params, &s.filters)) return err;
  if (const std::string* v = FindParam(params, "had_error")) {
    if (*v != "true" && *v != "false") return QueryError{"had_error", "must be true or false"};
    query->had_error = *v == "true";
  }
  if (const std::string* v = FindParam(params, "event")) query->fired = *v;
  if (const std::string* v = FindParam(params, "poor_vital")) {
    if (*v != "any" && FindVitalThresholds(*v) == nullptr) {
      return QueryError{"poor_vital",
                        "must be LCP, INP, CLS, FCP, TTFB, FID or any, got \"" + *v + "\""};
    }
    query->poor_vital = *v;
  }
  if (const std::string* v = FindParam(params, "sort")) {
    if (*v != "newest" && *v != "slowest") return QueryError{"sort", "must be newest or slowest"};
    query->slowest_first = *v == "slowest";
  }
  size_t limit = 0;
  if (auto err = ParseLimit(params, &limit)) return err;
  if (limit > 1000) return QueryError{"limit", "at most 1000 sessions"};
  if (limit > 0) query->limit = limit;
  return std::nullopt;
}

Result<std::string> RunSessionList(Store& store, const SessionListQuery& query) {
  SessionQuery sessions = query.sessions;
  sessions.group_by.clear();
  for (std::string_view name : kShownDimensions) {
    DimensionRef dim;
    LookupDimension(name, &dim);
    sessions.group_by.push_back(dim);
  }
  // The events the list shows: all but the vitals it does not report (TTFB, FCP, FID are a third
  // of the rows), unless a poor value of one is asked for.
  if (query.poor_vital != "any") {
    sessions.event_names = {"", "LCP", "INP", "CLS"};
    if (!query.fired.empty()) sessions.event_names.push_back(query.fired);
    if (!query.poor_vital.empty()) sessions.event_names.push_back(query.poor_vital);
  }
  SessionCollector c;
  std::vector<std::vector<SessionFacts>> facts_of(SessionWorkers());  // per worker, per session
  ColumnSet extra;
  SL_RETURN_IF_ERROR(
      CollectSessions(store, sessions, &c, extra,
                      [&](size_t worker, size_t session, const ColumnBatch& batch, size_t row) {
                        std::vector<SessionFacts>& facts = facts_of[worker];
                        if (facts.size() <= session) facts.resize(session + 1);
                        SessionFacts& f = facts[session];
                        const std::string_view type = batch.col(ColumnId::type).str(row);
                        if (type == "error") {
                          ++f.errors;
                        } else if (type == "action") {
                          ++f.actions;
                        } else if (type == "api_call") {
                          ++f.api_calls;
                        } else if (type == "custom") {
                          f.fired = f.fired || batch.col(ColumnId::name).str(row) == query.fired;
                        } else if (type == "vital") {
                          const std::string_view name = batch.col(ColumnId::name).str(row);
                          const double v = batch.col(ColumnId::value).doubles[row];
                          if (IsNull(v)) return;
                          for (size_t i = 0; i < std::size(kWorstVitals); ++i) {
                            if (name == kWorstVitals[i] && !(v <= f.worst[i])) f.worst[i] = v;
                          }
                          const VitalThresholds* t = FindVitalThresholds(name);
                          if (t != nullptr && v > t->poor &&
                              (query.poor_vital == "any" || query.poor_vital == name)) {
                            f.poor = true;
                          }
                        }
                      }));
  const std::vector<SessionFacts> facts = c.Join(
      std::move(facts_of), [](SessionFacts& into, SessionFacts&& from) { into.Merge(from); });

  std::vector<size_t> matched;
  for (size_t i = 0; i < c.sessions.size(); ++i) {
    const SessionFacts& f = facts[i];
    if (!c.Matches(i, query.sessions.filters)) continue;
    if (query.had_error && f.errors == 0) continue;
    if (!query.fired.empty() && !f.fired) continue;
    if (!query.poor_vital.empty() && !f.poor) continue;
    matched.push_back(i);
  }
  auto lcp = [&](size_t i) { return std::isnan(facts[i].worst[0]) ? -1.0 : facts[i].worst[0]; };
  std::stable_sort(matched.begin(), matched.end(), [&](size_t a, size_t b) {
    if (query.slowest_first && lcp(a) != lcp(b)) return lcp(a) > lcp(b);
    return c.sessions[a].first_ts > c.sessions[b].first_ts;
  });
  const size_t total = matched.size();
  if (matched.size() > query.limit) matched.resize(query.limit);

  JsonWriter w;
  w.BeginObject();
  w.Key("total");
  w.Int(static_cast<int64_t>(total));
  w.Key("sessions");
  w.BeginArray();
  for (size_t i : matched) {
    const SessionAcc& s = c.sessions[i];
    const SessionFacts& f = facts[i];
    w.BeginObject();
    w.Key("session_id");
    w.String(c.id(i));
    w.Key("start");
    w.Int(s.first_ts);
    w.Key("end");
    w.Int(s.last_ts);
    w.Key("duration_ms");
    w.Int(s.last_ts - s.first_ts);
    w.Key("weight");
    w.Double(s.weight);
    w.Key("page_views");
    w.Int(s.page_views);
    w.Key("errors");
    w.Int(f.errors);
    w.Key("actions");
    w.Int(f.actions);
    w.Key("api_calls");
    w.Int(f.api_calls);
    for (const DimensionRef& dim : sessions.group_by) {
      w.Key(dim.name == "route" ? "landing_route" : dim.name);
      w.StringOrNull(c.value(i, dim.column));
    }
    w.Key("worst");
    w.BeginObject();
    for (size_t v = 0; v < std::size(kWorstVitals); ++v) {
      w.Key(kWorstVitals[v]);
      w.NumberOrNull(f.worst[v]);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.Key("from");
  w.Int(query.sessions.from_ms);
  w.Key("to");
  w.Int(query.sessions.to_ms);
  w.EndObject();
  return w.Take();
}

std::optional<QueryError> ParseSessionTimelineQuery(const QueryParams& params, int64_t now_ms,
                                                    SessionTimelineQuery* query) {
  if (query->session_id.empty() || query->session_id.size() > 256) {
    return QueryError{"session_id", "must be 1 to 256 characters"};
  }
  return ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms);
}

Result<std::string> RunSessionTimeline(Store& store, const SessionTimelineQuery& query) {
  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = query.from_ms;
  scan.to_ms = query.to_ms;
  scan.columns = AllColumns();
  struct Item {
    int64_t ts;
    uint64_t seq;
    std::string json;
  };
  std::vector<Item> items;
  std::string context;
  int64_t context_ts = 0;
  uint64_t seq = 0;
  std::vector<TraceSummary> traces;  // of the session's API calls
  SL_RETURN_IF_ERROR(store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& sid = batch.col(ColumnId::session_id);
    int64_t id = -1;
    for (size_t d = 1; d < sid.dict.size() && id < 0; ++d) {
      if (sid.dict[d] == query.session_id) id = static_cast<int64_t>(d);
    }
    if (id < 0) return Status::Ok();
    const Column& ts = batch.col(ColumnId::ts);
    for (size_t row = 0; row < batch.rows; ++row) {
      if (sid.ids[row] != id || ts.ints[row] < query.from_ms || ts.ints[row] >= query.to_ms) {
        continue;
      }
      JsonWriter w;
      w.BeginObject();
      for (size_t col = 0; col < kNumColumns; ++col) {
        if (col == static_cast<size_t>(ColumnId::session_id) || IsContextColumn(col)) continue;
        WriteColumn(w, batch, col, row);
      }
      w.EndObject();
      items.push_back({ts.ints[row], seq++, w.Take()});
      if (batch.col(ColumnId::type).str(row) == "api_call") {
        std::string_view trace_id = batch.col(ColumnId::trace_id).str(row);
        if (!trace_id.empty()) {
          TraceSummary& trace = traces.emplace_back();
          trace.trace_id = trace_id;
          trace.browser_span_id = batch.col(ColumnId::span_id).str(row);
        }
      }
      if (context.empty() || ts.ints[row] < context_ts) {
        JsonWriter cw;
        cw.BeginObject();
        for (ColumnId c : kContextColumns) WriteColumn(cw, batch, static_cast<size_t>(c), row);
        cw.EndObject();
        context = cw.Take();
        context_ts = ts.ints[row];
      }
    }
    return Status::Ok();
  }));
  if (items.empty()) {
    return Status::NotFound("no event of session \"" + query.session_id + "\" in the range");
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.ts != b.ts ? a.ts < b.ts : a.seq < b.seq;
  });
  // The backend's side of the session's calls: spans arrive stamped with the backend's clock,
  // around the call's time.
  SL_RETURN_IF_ERROR(SummarizeTraces(store, query.project, items.front().ts - kTraceSlackMs,
                                     items.back().ts + kTraceSlackMs, &traces));
  JsonWriter w;
  w.BeginObject();
  w.Key("session_id");
  w.String(query.session_id);
  w.Key("start");
  w.Int(items.front().ts);
  w.Key("end");
  w.Int(items.back().ts);
  w.Key("context");
  w.Raw(context);
  w.Key("events");
  w.BeginArray();
  for (const Item& item : items) w.Raw(item.json);
  w.EndArray();
  w.Key("traces");
  w.BeginArray();
  for (const TraceSummary& t : traces) {
    w.BeginObject();
    w.Key("trace_id");
    w.String(t.trace_id);
    w.Key("span_id");
    w.String(t.browser_span_id);
    w.Key("spans");
    w.Int(t.spans);
    w.Key("services");
    w.BeginArray();
    for (const std::string& service : t.services) w.String(service);
    w.EndArray();
    w.Key("backend_ms");
    if (t.backend_ms < 0) {
      w.Null();
    } else {
      w.Double(t.backend_ms);
    }
    w.Key("error");
    w.Bool(t.error);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
