#include "query/api_calls_query.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/json_writer.h"

namespace sightline {
namespace {

constexpr std::string_view kClasses[] = {"2xx", "3xx", "4xx", "5xx", "failed"};

// 0-3 for 2xx-5xx, 4 for no status (or one outside 200-599, 1xx included).
size_t StatusClass(int64_t status) {
  if (IsNull(status) || status < 200 || status > 599) return 4;
  return static_cast<size_t>(status / 100 - 2);
}

struct Endpoint {
  std::string method, route;
  std::vector<std::pair<double, double>> durations;  // (ms, weight)
  double weight = 0;
  double classes[5] = {0, 0, 0, 0, 0};
  double p50 = 0, p75 = 0, p95 = 0, error_rate = 0;
};

}  // namespace

std::optional<QueryError> ParseApiCallsQuery(const QueryParams& params, int64_t now_ms,
                                             ApiCallsQuery* query) {
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  if (auto err = ParseFilters(params, &query->filters)) return err;
  size_t limit = 0;
  if (auto err = ParseLimit(params, &limit)) return err;
  if (limit > 1000) return QueryError{"limit", "at most 1000 endpoints"};
  if (limit > 0) query->limit = limit;
  if (const std::string* sort = FindParam(params, "sort")) {
    if (*sort != "count" && *sort != "p75" && *sort != "error_rate") {
      return QueryError{"sort", "must be count, p75 or error_rate, got \"" + *sort + "\""};
    }
    query->sort = *sort;
  }
  return std::nullopt;
}

Result<std::string> RunApiCallsQuery(Store& store, const ApiCallsQuery& query) {
  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = query.from_ms;
  scan.to_ms = query.to_ms;
  for (ColumnId c : {ColumnId::ts, ColumnId::type, ColumnId::method, ColumnId::request_route,
                     ColumnId::status, ColumnId::duration, ColumnId::sample_rate}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  for (const DimensionFilter& f : query.filters)
    scan.columns.set(static_cast<size_t>(f.dim.column));
  std::map<std::pair<std::string, std::string>, Endpoint> endpoints;
  uint64_t scanned = 0;
  SL_RETURN_IF_ERROR(store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& ts = batch.col(ColumnId::ts);
    const Column& type = batch.col(ColumnId::type);
    const Column& method = batch.col(ColumnId::method);
    const Column& route = batch.col(ColumnId::request_route);
    const Column& status = batch.col(ColumnId::status);
    const Column& duration = batch.col(ColumnId::duration);
    const Column& rate = batch.col(ColumnId::sample_rate);
    for (size_t row = 0; row < batch.rows; ++row) {
      if (ts.ints[row] < query.from_ms || ts.ints[row] >= query.to_ms) continue;
      if (type.str(row) != "api_call" || IsNull(duration.doubles[row])) continue;
      bool keep = true;
      for (const DimensionFilter& f : query.filters) {
        keep = keep && MatchesFilter(f, batch.col(f.dim.column).str(row));
      }
      if (!keep) continue;
      ++scanned;
      const double r = rate.doubles[row];
      const double w = SampleWeight(r);
      Endpoint& e = endpoints[{std::string(method.str(row)), std::string(route.str(row))}];
      e.durations.emplace_back(duration.doubles[row], w);
      e.weight += w;
      e.classes[StatusClass(status.ints[row])] += w;
    }
    return Status::Ok();
  }));
  std::vector<Endpoint*> order;
  for (auto& [key, e] : endpoints) {
    e.method = key.first;
    e.route = key.second;
    std::sort(e.durations.begin(), e.durations.end());
    e.p50 = WeightedQuantile(e.durations, e.weight, 0.5);
    e.p75 = WeightedQuantile(e.durations, e.weight, 0.75);
    e.p95 = WeightedQuantile(e.durations, e.weight, 0.95);
    e.error_rate = (e.classes[2] + e.classes[3] + e.classes[4]) / e.weight;
    order.push_back(&e);
  }
  auto by = [&](const Endpoint* e) {
    return query.sort == "p75" ? e->p75 : query.sort == "error_rate" ? e->error_rate : e->weight;
  };
  std::stable_sort(order.begin(), order.end(), [&](const Endpoint* a, const Endpoint* b) {
    return by(a) != by(b) ? by(a) > by(b) : a->weight > b->weight;
  });
  if (order.size() > query.limit) order.resize(query.limit);

  JsonWriter w;
  w.BeginObject();
  w.Key("rows");
  w.BeginArray();
  for (const Endpoint* e : order) {
    w.BeginObject();
    w.Key("method");
    w.String(e->method);
    w.Key("endpoint");
    w.String(e->route);
    w.Key("count");
    w.Double(e->weight);
    w.Key("samples");
    w.Int(static_cast<int64_t>(e->durations.size()));
    w.Key("p50_ms");
    w.Double(e->p50);
    w.Key("p75_ms");
    w.Double(e->p75);
    w.Key("p95_ms");
    w.Double(e->p95);
    w.Key("status");
    w.BeginObject();
    for (size_t c = 0; c < std::size(kClasses); ++c) {
      w.Key(kClasses[c]);
      w.Double(e->classes[c] / e->weight);
    }
    w.EndObject();
    w.Key("error_rate");
    w.Double(e->error_rate);
    w.EndObject();
  }
  w.EndArray();
  WriteScanRangeAndSource(w, query.from_ms, query.to_ms, scanned);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
