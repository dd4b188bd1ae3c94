#include "query/overview_query.h"

#include "common/json_writer.h"
#include "common/time_parse.h"
#include "query/timeseries_query.h"
#include "store/string_interner.h"

namespace sightline {
namespace {

int64_t FloorTo(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

int64_t DictId(const Column& col, std::string_view value) {
  for (size_t id = 0; id < col.dict.size(); ++id) {
    if (col.dict[id] == value) return static_cast<int64_t>(id);
  }
  return -1;
}

bool ApiCallFailed(int64_t status) { return IsNull(status) || status < 200 || status >= 400; }

void WriteCounts(JsonWriter& w, const OverviewCounts& c) {
  w.Key("page_views");
  w.Double(c.page_views);
  w.Key("page_view_samples");
  w.Int(static_cast<int64_t>(c.page_view_samples));
  w.Key("sessions");
  w.Double(c.sessions);
  w.Key("session_samples");
  w.Int(static_cast<int64_t>(c.session_samples));
  w.Key("errors");
  w.Double(c.errors);
  w.Key("error_rate");
  w.NumberOrNull(c.page_views > 0 ? c.errors / c.page_views
                                  : std::numeric_limits<double>::quiet_NaN());
  w.Key("api_calls");
  w.Double(c.api_calls);
  w.Key("api_errors");
  w.Double(c.api_errors);
  w.Key("api_error_rate");
  w.NumberOrNull(c.api_calls > 0 ? c.api_errors / c.api_calls
                                 : std::numeric_limits<double>::quiet_NaN());
}

}  // namespace

std::optional<QueryError> ParseOverviewQuery(const QueryParams& params, int64_t now_ms,
                                             OverviewQuery* query) {
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  if (auto err = ParseFilters(params, &query->filters)) return err;
  if (auto err = ParseGroupBy(params, &query->group_by)) return err;
  if (query->group_by.size() > 1 || (!query->group_by.empty() && query->group_by[0].multi_valued)) {
    return QueryError{"group_by", "at most one dimension, not flag"};
  }
  if (FindParam(params, "limit") != nullptr) {
    if (auto err = ParseLimit(params, &query->limit)) return err;
    if (query->limit > 1000) return QueryError{"limit", "must be 1 to 1000"};
  }
  query->interval_ms = 0;
  if (const std::string* interval = FindParam(params, "interval")) {
    query->interval_ms = ParseDurationMs(*interval);
    if (query->interval_ms < 60'000 || query->interval_ms > 86'400'000) {
      return QueryError{"interval", "must be from 1m to 1d, written Nm, Nh or 1d (\"5m\", \"1h\")"};
    }
    if ((query->to_ms - query->from_ms) / query->interval_ms > kMaxBuckets) {
      return QueryError{"interval", "too many buckets for the range (at most " +
                                        std::to_string(kMaxBuckets) + "): use a longer interval"};
    }
  }
  return std::nullopt;
}

Result<OverviewResult> RunOverview(Store& store, const OverviewQuery& query) {
  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = query.from_ms;
  scan.to_ms = query.to_ms;
  scan.types = {"page_view", "error", "api_call"};
  for (ColumnId c : {ColumnId::ts, ColumnId::type, ColumnId::session_id, ColumnId::sample_rate,
                     ColumnId::status, ColumnId::value}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  for (const DimensionFilter& f : query.filters) {
    scan.columns.set(static_cast<size_t>(f.dim.column));
  }
  for (const DimensionRef& d : query.group_by) scan.columns.set(static_cast<size_t>(d.column));
  std::vector<std::string> group_values(1);  // group id -> value ("" null), id 0 = null
  StringInterner group_interner;
  std::vector<OverviewCounts> group_counts(1);
  std::vector<int64_t> group_of;  // per batch: dictionary id -> group id
  const int64_t step = query.interval_ms;
  const int64_t first = step > 0 ? FloorTo(query.from_ms, step) : query.from_ms;
  OverviewResult result;
  if (step > 0) {
    for (int64_t start = first; start < query.to_ms; start += step) {
      result.buckets.push_back({start, {}});
    }
  }
  auto bucket_of = [&](int64_t t) -> OverviewCounts* {
    return step > 0 ? &result.buckets[static_cast<size_t>((t - first) / step)].second : nullptr;
  };
  // Sessions: their first matching event's time and their weight.
  struct Session {
    int64_t first_ts;
    double weight;
    uint32_t group;
  };
  StringInterner interner;
  std::vector<std::string> ids(1);
  std::vector<Session> sessions;
  std::vector<int64_t> slot_of;  // per batch: session dictionary id -> sessions index
  BatchFilter filter(query.filters);
  SL_RETURN_IF_ERROR(store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& ts = batch.col(ColumnId::ts);
    const Column& type = batch.col(ColumnId::type);
    const Column& sid = batch.col(ColumnId::session_id);
    const Column& rate = batch.col(ColumnId::sample_rate);
    const Column& status = batch.col(ColumnId::status);
    const Column& count = batch.col(ColumnId::value);  // an error's repeats
    const int64_t page_view = DictId(type, "page_view");
    const int64_t error = DictId(type, "error");
    const int64_t api_call = DictId(type, "api_call");
    slot_of.assign(sid.dict.size(), -1);
    const Column* group_col =
        query.group_by.empty() ? nullptr : &batch.col(query.group_by[0].column);
    if (group_col != nullptr) group_of.assign(group_col->dict.size(), -1);
    filter.Reset(batch);
    for (size_t row = 0; row < batch.rows; ++row) {
      const int64_t t = ts.ints[row];
      if (t < query.from_ms || t >= query.to_ms) continue;
      const int64_t kind = type.ids[row];
      if (kind != page_view && kind != error && kind != api_call) continue;
      if (!filter.Keeps(batch, row)) continue;
      ++result.scanned_events;
      const double r = rate.doubles[row];
      const double w = SampleWeight(r);
      OverviewCounts* bucket = bucket_of(t);
      uint32_t group = 0;
      if (group_col != nullptr) {
        int64_t& id = group_of[group_col->ids[row]];
        if (id < 0) {
          id = group_interner.Intern(group_col->str(row), &group_values);
          group_counts.resize(group_values.size());
        }
        group = static_cast<uint32_t>(id);
      }
      for (OverviewCounts* c :
           {&result.totals, bucket, group_col != nullptr ? &group_counts[group] : nullptr}) {
        if (c == nullptr) continue;
        if (kind == page_view) {
          c->page_views += w;
          ++c->page_view_samples;
        } else if (kind == error) {
          c->errors += w * (IsNull(count.doubles[row]) ? 1.0 : count.doubles[row]);
        } else {
          c->api_calls += w;
          if (ApiCallFailed(status.ints[row])) c->api_errors += w;
        }
      }
      if (sid.ids[row] == 0) continue;
      int64_t& slot = slot_of[sid.ids[row]];
      if (slot < 0) {
        slot = interner.Intern(sid.str(row), &ids) - int64_t{1};
        if (static_cast<size_t>(slot) == sessions.size()) sessions.push_back({t, w, group});
      }
      Session& s = sessions[static_cast<size_t>(slot)];
      if (t < s.first_ts) s = {t, w, group};
    }
    return Status::Ok();
  }));
  const bool grouped = !query.group_by.empty();
  for (const Session& s : sessions) {
    for (OverviewCounts* c :
         {&result.totals, bucket_of(s.first_ts), grouped ? &group_counts[s.group] : nullptr}) {
      if (c == nullptr) continue;
      c->sessions += s.weight;
      ++c->session_samples;
    }
  }
  if (grouped) {
    std::vector<uint32_t> order;
    for (uint32_t id = 0; id < group_counts.size(); ++id) {
      if (group_counts[id].page_views > 0 || group_counts[id].sessions > 0 ||
          group_counts[id].errors > 0 || group_counts[id].api_calls > 0) {
        order.push_back(id);
      }
    }
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      if (group_counts[a].page_views != group_counts[b].page_views) {
        return group_counts[a].page_views > group_counts[b].page_views;
      }
      return group_values[a] < group_values[b];
    });
    if (order.size() > query.limit) order.resize(query.limit);
    for (uint32_t id : order) result.groups.emplace_back(group_values[id], group_counts[id]);
  }
  return result;
}

std::string FormatOverview(const OverviewQuery& query, const OverviewResult& result) {
  JsonWriter w;
  w.BeginObject();
  w.Key("totals");
  w.BeginObject();
  WriteCounts(w, result.totals);
  w.EndObject();
  if (!query.group_by.empty()) {
    w.Key("rows");
    w.BeginArray();
    for (const auto& [value, counts] : result.groups) {
      w.BeginObject();
      w.Key("group");
      w.BeginObject();
      w.Key(query.group_by[0].name);
      if (value.empty()) {
        w.Null();
      } else {
        w.String(value);
      }
      w.EndObject();
      WriteCounts(w, counts);
      w.EndObject();
    }
    w.EndArray();
  }
  if (query.interval_ms > 0) {
    w.Key("interval_ms");
    w.Int(query.interval_ms);
    w.Key("buckets");
    w.BeginArray();
    for (const auto& [start, counts] : result.buckets) {
      w.BeginObject();
      w.Key("start");
      w.Int(start);
      WriteCounts(w, counts);
      w.EndObject();
    }
    w.EndArray();
  }
  WriteScanRangeAndSource(w, query.from_ms, query.to_ms, result.scanned_events);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
