#include "query/session_query.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <thread>

#include "common/json_writer.h"
#include "common/vitals.h"
#include "store/query_control.h"
#include "store/string_interner.h"

namespace sightline {
namespace {

int64_t DictId(const Column& col, std::string_view value) {
  if (value.empty()) return -1;
  for (size_t id = 0; id < col.dict.size(); ++id) {
    if (col.dict[id] == value) return static_cast<int64_t>(id);
  }
  return -1;
}

// Folds the rows of `batch` into `c` (whose columns are set): scratch vectors are per caller.
void FoldBatch(const SessionQuery& query, const ColumnBatch& batch, SessionCollector* c,
               std::vector<int64_t>& slot_of, std::vector<std::vector<int64_t>>& global_of,
               size_t worker, const SessionEventHook& on_event) {
  global_of.resize(c->columns.size());
  const Column& ts = batch.col(ColumnId::ts);
  const Column& type = batch.col(ColumnId::type);
  const Column& sid = batch.col(ColumnId::session_id);
  const Column& rate = batch.col(ColumnId::sample_rate);
  const Column& name = batch.col(ColumnId::name);
  const Column& value = batch.col(ColumnId::value);
  const int64_t page_view = DictId(type, "page_view");
  const int64_t vital = DictId(type, "vital");
  const int64_t custom = DictId(type, "custom");
  const int64_t vital_name = DictId(name, query.vital);
  const int64_t event_name = DictId(name, query.event);
  slot_of.assign(sid.dict.size(), -1);
  for (auto& g : global_of) g.clear();
  // The store may hand over events the hints leave out: they are skipped here.
  auto listed = [](const Column& col, const std::vector<std::string>& list) {
    std::vector<char> keep(col.dict.size(), list.empty());
    for (size_t id = 0; id < col.dict.size() && !list.empty(); ++id) {
      keep[id] = std::find(list.begin(), list.end(), col.dict[id]) != list.end();
    }
    return keep;
  };
  const std::vector<char> type_kept = listed(type, query.event_types);
  const std::vector<char> name_kept = listed(name, query.event_names);
  const std::vector<char> type_named = listed(type, query.event_named_types);
  for (size_t row = 0; row < batch.rows; ++row) {
    const int64_t t = ts.ints[row];
    if (t < query.from_ms || t >= query.to_ms || sid.ids[row] == 0) continue;
    if (!type_kept[type.ids[row]] || (type_named[type.ids[row]] && !name_kept[name.ids[row]])) {
      continue;
    }
    int64_t& slot = slot_of[sid.ids[row]];
    if (slot < 0) {
      slot = c->ids.Intern(sid.dict[sid.ids[row]]) - int64_t{1};
      if (static_cast<size_t>(slot) == c->sessions.size()) {
        c->sessions.emplace_back();
        c->dims.resize(c->dims.size() + c->columns.size());
      }
    }
    SessionAcc& s = c->sessions[static_cast<size_t>(slot)];
    ++c->scanned;
    if (t < s.first_ts) {
      s.first_ts = t;
      uint32_t* dims = c->dims.data() + static_cast<size_t>(slot) * c->columns.size();
      for (size_t i = 0; i < c->columns.size(); ++i) {
        const Column& col = batch.col(c->columns[i]);
        std::vector<int64_t>& map = global_of[i];
        if (map.empty()) map.assign(col.dict.size(), -1);
        int64_t& id = map[col.ids[row]];
        if (id < 0) id = c->interners[i].Intern(col.dict[col.ids[row]], &c->dicts[i]);
        dims[i] = static_cast<uint32_t>(id);
      }
      const double r = rate.doubles[row];
      s.weight = SampleWeight(r);
    }
    s.last_ts = std::max(s.last_ts, t);
    const int64_t kind = type.ids[row];
    if (kind == page_view) {
      ++s.page_views;
    } else if (kind == vital && vital_name >= 0 && name.ids[row] == vital_name && t < s.vital_ts &&
               !IsNull(value.doubles[row])) {
      s.vital_ts = t;
      s.vital_value = value.doubles[row];
    } else if (kind == custom && event_name >= 0 && name.ids[row] == event_name) {
      s.converted = true;
    }
    if (on_event) on_event(worker, static_cast<size_t>(slot), batch, row);
  }
}

// Takes `from`'s sessions into `into` (same columns): a session both hold gets the earlier first
// event's dimensions and weight, the later last event, both page views, the earlier vital, and
// converts if either did. Returns, per session of `from`, its index in `into`.
std::vector<size_t> MergeSessions(SessionCollector&& from, SessionCollector* into) {
  std::vector<size_t> index_of(from.sessions.size());
  const size_t ncols = into->columns.size();
  std::vector<std::vector<uint32_t>> id_of(ncols);
  for (size_t i = 0; i < ncols; ++i) {
    for (const std::string& value : from.dicts[i]) {
      id_of[i].push_back(into->interners[i].Intern(value, &into->dicts[i]));
    }
  }
  for (size_t slot = 0; slot < from.sessions.size(); ++slot) {
    const size_t to = into->ids.Intern(from.ids[static_cast<uint32_t>(slot + 1)]) - 1;
    index_of[slot] = to;
    if (to == into->sessions.size()) {
      into->sessions.emplace_back();
      into->dims.resize(into->dims.size() + ncols);
    }
    const SessionAcc& f = from.sessions[slot];
    SessionAcc& s = into->sessions[to];
    if (f.first_ts < s.first_ts) {
      s.first_ts = f.first_ts;
      s.weight = f.weight;
      for (size_t i = 0; i < ncols; ++i) {
        into->dims[to * ncols + i] = id_of[i][from.dims[slot * ncols + i]];
      }
    }
    s.last_ts = std::max(s.last_ts, f.last_ts);
    s.page_views += f.page_views;
    if (f.vital_ts < s.vital_ts) {
      s.vital_ts = f.vital_ts;
      s.vital_value = f.vital_value;
    }
    s.converted = s.converted || f.converted;
  }
  into->scanned += from.scanned;
  return index_of;
}

}  // namespace

size_t SessionWorkers() { return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8); }

Status CollectSessions(Store& store, const SessionQuery& query, SessionCollector* c,
                       const ColumnSet& extra_columns, const SessionEventHook& on_event) {
  for (const DimensionFilter& f : query.filters) c->columns.push_back(f.dim.column);
  for (const DimensionRef& d : query.group_by) c->columns.push_back(d.column);
  std::sort(c->columns.begin(), c->columns.end());
  c->columns.erase(std::unique(c->columns.begin(), c->columns.end()), c->columns.end());
  c->dicts.assign(c->columns.size(), std::vector<std::string>(1));
  c->interners.resize(c->columns.size());

  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = query.from_ms;
  scan.to_ms = query.to_ms;
  scan.types = query.event_types;
  scan.names = query.event_names;
  scan.named_types = query.event_named_types;
  for (ColumnId col : {ColumnId::ts, ColumnId::type, ColumnId::session_id, ColumnId::sample_rate,
                       ColumnId::name, ColumnId::value}) {
    scan.columns.set(static_cast<size_t>(col));
  }
  for (ColumnId col : c->columns) scan.columns.set(static_cast<size_t>(col));
  scan.columns |= extra_columns;

  // Each core folds whole segments into its own collector; they are merged by session id at the
  // end (a session may span segments).
  const size_t workers = SessionWorkers();
  std::vector<SessionCollector> parts(workers);
  std::vector<std::vector<int64_t>> slot_of(workers);
  std::vector<std::vector<std::vector<int64_t>>> global_of(workers);
  for (SessionCollector& part : parts) {
    part.columns = c->columns;
    part.dicts.assign(c->columns.size(), std::vector<std::string>(1));
    part.interners.resize(c->columns.size());
  }
  // Sessions grow with the range: each worker reports what its collector holds to the query's
  // memory limit after every batch.
  const QueryControl* control = store.control();
  std::vector<uint64_t> held(workers, 0);
  SL_RETURN_IF_ERROR(
      store.ScanParallel(scan, workers, [&](size_t w, const ColumnBatch& batch) -> Status {
        FoldBatch(query, batch, &parts[w], slot_of[w], global_of[w], w, on_event);
        if (control == nullptr) return Status::Ok();
        const SessionCollector& part = parts[w];
        return control->Account(&held[w], part.sessions.capacity() * sizeof(SessionAcc) +
                                              part.dims.capacity() * sizeof(uint32_t) +
                                              part.ids.HeldBytes());
      }));
  *c = std::move(parts[0]);
  c->index_of.assign(workers, {});
  c->index_of[0].resize(c->sessions.size());
  for (size_t i = 0; i < c->sessions.size(); ++i) c->index_of[0][i] = i;
  for (size_t w = 1; w < workers; ++w) c->index_of[w] = MergeSessions(std::move(parts[w]), c);
  return Status::Ok();
}

std::pair<double, double> WilsonInterval(double rate, double n) {
  if (!(n > 0)) return {0, 1};
  constexpr double z = 1.959963984540054;
  const double z2 = z * z;
  const double denom = 1 + z2 / n;
  const double centre = (rate + z2 / (2 * n)) / denom;
  const double half = z * std::sqrt(rate * (1 - rate) / n + z2 / (4 * n * n)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Result<std::vector<SessionSummaryRow>> SummarizeSessions(Store& store, const SessionQuery& query) {
  SessionCollector c;
  SL_RETURN_IF_ERROR(CollectSessions(store, query, &c));
  struct Group {
    SessionSummaryRow row;
    double bounced = 0, length_sum = 0;
    std::vector<std::pair<double, double>> lengths;  // (ms, weight)
  };
  std::map<std::vector<std::string>, Group> groups;
  std::vector<std::string> key(query.group_by.size());
  for (size_t i = 0; i < c.sessions.size(); ++i) {
    if (!c.Matches(i, query.filters)) continue;
    const SessionAcc& s = c.sessions[i];
    for (size_t d = 0; d < query.group_by.size(); ++d) {
      key[d].assign(c.value(i, query.group_by[d].column));
    }
    Group& g = groups[key];
    g.row.sessions += s.weight;
    ++g.row.session_samples;
    g.row.page_views += s.weight * s.page_views;
    g.row.page_view_samples += s.page_views;
    if (s.page_views <= 1) g.bounced += s.weight;
    const double length = static_cast<double>(s.last_ts - s.first_ts);
    g.length_sum += s.weight * length;
    g.lengths.emplace_back(length, s.weight);
  }
  std::vector<std::pair<const std::vector<std::string>*, Group*>> order;
  for (auto& [k, g] : groups) order.emplace_back(&k, &g);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second->row.sessions > b.second->row.sessions;
  });
  Group rest;
  rest.row.other = true;
  const bool has_rest = query.limit > 0 && order.size() > query.limit;
  if (has_rest) {
    for (size_t i = query.limit; i < order.size(); ++i) {
      Group& g = *order[i].second;
      rest.row.sessions += g.row.sessions;
      rest.row.session_samples += g.row.session_samples;
      rest.row.page_views += g.row.page_views;
      rest.row.page_view_samples += g.row.page_view_samples;
      rest.bounced += g.bounced;
      rest.length_sum += g.length_sum;
      rest.lengths.insert(rest.lengths.end(), g.lengths.begin(), g.lengths.end());
    }
    order.resize(query.limit);
  }
  const std::vector<std::string> other_key(query.group_by.size());
  if (has_rest) order.emplace_back(&other_key, &rest);
  std::vector<SessionSummaryRow> rows;
  for (auto& [k, g] : order) {
    SessionSummaryRow row = g->row;
    row.group = *k;
    row.bounce_rate = g->bounced / row.sessions;
    row.avg_length_ms = g->length_sum / row.sessions;
    std::sort(g->lengths.begin(), g->lengths.end());
    row.p50_length_ms = WeightedQuantile(g->lengths, row.sessions, 0.5);
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<SessionEventRate> ComputeSessionEventRate(Store& store, const SessionQuery& query) {
  SessionCollector c;
  SessionQuery reads = query;  // page views and the business event
  reads.event_types = {"page_view", "custom"};
  reads.event_names = {"", query.event};
  SL_RETURN_IF_ERROR(CollectSessions(store, reads, &c));
  SessionEventRate rate;
  for (size_t i = 0; i < c.sessions.size(); ++i) {
    if (!c.Matches(i, query.filters)) continue;
    const SessionAcc& s = c.sessions[i];
    rate.sessions += s.weight;
    ++rate.session_samples;
    if (s.converted) {
      rate.converted += s.weight;
      ++rate.converted_samples;
    }
  }
  return rate;
}

Result<ConversionResult> ComputeConversion(Store& store, const SessionQuery& query) {
  SessionCollector c;
  SessionQuery reads = query;  // page views, the landing vital and the business event
  reads.event_types = {"page_view", "vital", "custom"};
  reads.event_names = {"", query.vital, query.event};
  SL_RETURN_IF_ERROR(CollectSessions(store, reads, &c));
  return ConversionOf(c, query);
}

ConversionResult ConversionOf(const SessionCollector& c, const SessionQuery& query) {
  ConversionResult result;
  result.scanned_events = c.scanned;
  result.rows.resize(query.edges.size() + 1);
  for (size_t b = 0; b < result.rows.size(); ++b) {
    result.rows[b].from = b == 0 ? -std::numeric_limits<double>::infinity() : query.edges[b - 1];
    result.rows[b].to =
        b < query.edges.size() ? query.edges[b] : std::numeric_limits<double>::infinity();
  }
  for (size_t i = 0; i < c.sessions.size(); ++i) {
    if (!c.Matches(i, query.filters)) continue;
    const SessionAcc& s = c.sessions[i];
    if (s.vital_ts == kNoTime) {
      result.sessions_without_vital += s.weight;
      continue;
    }
    // (from, to]: the first edge not below the value.
    const size_t b = static_cast<size_t>(
        std::lower_bound(query.edges.begin(), query.edges.end(), s.vital_value) -
        query.edges.begin());
    ConversionRow& row = result.rows[b];
    row.sessions += s.weight;
    ++row.session_samples;
    if (s.converted) {
      row.converted += s.weight;
      ++row.converted_samples;
    }
  }
  for (ConversionRow& row : result.rows) {
    row.rate =
        row.sessions > 0 ? row.converted / row.sessions : std::numeric_limits<double>::quiet_NaN();
    std::tie(row.ci_low, row.ci_high) =
        WilsonInterval(row.sessions > 0 ? row.rate : 0, static_cast<double>(row.session_samples));
  }
  return result;
}

std::optional<QueryError> ParseSessionSummaryQuery(const QueryParams& params, int64_t now_ms,
                                                   SessionQuery* query) {
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  if (auto err = ParseGroupBy(params, &query->group_by)) return err;
  for (const DimensionRef& d : query->group_by) {
    if (d.multi_valued) {
      return QueryError{"group_by", "\"" + d.name + "\" holds several values per session; " +
                                        "filter on it instead"};
    }
  }
  if (auto err = ParseFilters(params, &query->filters)) return err;
  return ParseLimit(params, &query->limit);
}

std::optional<QueryError> ParseConversionQuery(const QueryParams& params, int64_t now_ms,
                                               SessionQuery* query) {
  const std::string* name = FindParam(params, "name");
  query->vital = name ? *name : "LCP";
  const VitalThresholds* t = FindVitalThresholds(query->vital);
  if (t == nullptr) {
    return QueryError{
        "name", "unknown vital \"" + query->vital + "\" (known: LCP, INP, CLS, FCP, TTFB, FID)"};
  }
  const std::string* event = FindParam(params, "event");
  if (event == nullptr || event->empty()) {
    return QueryError{"event", "required: the name of the business event (a custom event)"};
  }
  query->event = *event;
  query->edges.clear();
  if (const std::string* buckets = FindParam(params, "buckets")) {
    for (std::string_view text : SplitComma(*buckets)) {
      double v = 0;
      auto res = std::from_chars(text.data(), text.data() + text.size(), v);
      if (res.ec != std::errc() || res.ptr != text.data() + text.size() || !std::isfinite(v) ||
          (!query->edges.empty() && v <= query->edges.back())) {
        return QueryError{"buckets", "must be ascending numbers, got \"" + *buckets + "\""};
      }
      query->edges.push_back(v);
    }
    if (query->edges.empty() || query->edges.size() > 20) {
      return QueryError{"buckets", "must list 1 to 20 edges"};
    }
  } else {
    query->edges = {t->good, t->poor};
  }
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  return ParseFilters(params, &query->filters);
}

std::string FormatSessionSummary(const SessionQuery& query,
                                 const std::vector<SessionSummaryRow>& rows) {
  JsonWriter w;
  w.BeginObject();
  w.Key("rows");
  w.BeginArray();
  for (const SessionSummaryRow& row : rows) {
    w.BeginObject();
    WriteGroup(w, query.group_by, row.group, row.other);
    w.Key("sessions");
    w.Double(row.sessions);
    w.Key("session_samples");
    w.Int(static_cast<int64_t>(row.session_samples));
    w.Key("page_views");
    w.Double(row.page_views);
    w.Key("page_view_samples");
    w.Int(static_cast<int64_t>(row.page_view_samples));
    w.Key("bounce_rate");
    w.Double(row.bounce_rate);
    w.Key("avg_length_ms");
    w.Double(row.avg_length_ms);
    w.Key("p50_length_ms");
    w.Double(row.p50_length_ms);
    w.EndObject();
  }
  w.EndArray();
  w.Key("from");
  w.Int(query.from_ms);
  w.Key("to");
  w.Int(query.to_ms);
  w.EndObject();
  return w.Take();
}

std::string FormatConversion(const SessionQuery& query, const ConversionResult& result) {
  JsonWriter w;
  w.BeginObject();
  w.Key("name");
  w.String(query.vital);
  w.Key("event");
  w.String(query.event);
  w.Key("buckets");
  w.BeginArray();
  for (const ConversionRow& row : result.rows) {
    w.BeginObject();
    w.Key("from");
    w.NumberOrNull(row.from);
    w.Key("to");
    w.NumberOrNull(row.to);
    w.Key("sessions");
    w.Double(row.sessions);
    w.Key("session_samples");
    w.Int(static_cast<int64_t>(row.session_samples));
    w.Key("converted");
    w.Double(row.converted);
    w.Key("converted_samples");
    w.Int(static_cast<int64_t>(row.converted_samples));
    w.Key("rate");
    w.NumberOrNull(row.rate);
    w.Key("ci95");
    w.BeginArray();
    w.Double(row.ci_low);
    w.Double(row.ci_high);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("sessions_without_vital");
  w.Double(result.sessions_without_vital);
  WriteScanRangeAndSource(w, query.from_ms, query.to_ms, result.scanned_events);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
