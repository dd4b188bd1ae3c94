#include "query/api_calls_query.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <unordered_map>

#include "common/json_writer.h"

namespace sightline {
namespace {

constexpr std::string_view kClasses[] = {"2xx", "3xx", "4xx", "5xx", "failed"};

// 0-3 for 2xx-5xx, 4 for no status (or one outside 200-599, 1xx included).
size_t StatusClass(int64_t status) {
  if (IsNull(status) || status < 200 || status > 599) return 4;
  return static_cast<size_t>(status / 100 - 2);
}

using Durations = std::vector<std::pair<double, double>>;  // (ms, weight)

struct Quantiles {
  double p50 = 0, p75 = 0, p95 = 0;
};

Quantiles QuantilesOf(Durations& durations) {
  double weight = 0;
  for (const auto& [ms, w] : durations) weight += w;
  std::sort(durations.begin(), durations.end());
  return {WeightedQuantile(durations, weight, 0.5), WeightedQuantile(durations, weight, 0.75),
          WeightedQuantile(durations, weight, 0.95)};
}

void WriteQuantiles(JsonWriter& w, const Quantiles& q) {
  w.Key("p50_ms");
  w.Double(q.p50);
  w.Key("p75_ms");
  w.Double(q.p75);
  w.Key("p95_ms");
  w.Double(q.p95);
}

// Adds `name` to a small list of names with counts.
void Count(std::vector<std::pair<std::string, int64_t>>* names, std::string_view name) {
  for (auto& [n, count] : *names) {
    if (n == name) {
      ++count;
      return;
    }
  }
  names->emplace_back(name, 1);
}

struct Endpoint {
  std::string method, route;
  Durations durations;
  double weight = 0;
  double classes[5] = {0, 0, 0, 0, 0};
  double p50 = 0, p75 = 0, p95 = 0, error_rate = 0;
  // The response sizes of the calls that reported one (Content-Length), weighted.
  Durations sizes;
  double size_weight = 0;
  // The calls the backend's server span was found for: its durations and the browser's.
  Durations backend, traced;
  std::vector<std::pair<std::string, int64_t>> backend_routes, backend_services;
};

// A server span (OpenTelemetry), and the call of the browser whose span is its parent.
struct ServerSpan {
  uint64_t call_key;  // CallKey(trace id, parent span id)
  uint32_t route;     // index in the backend routes
  double duration;
  bool error;
};

// A call's trace and span ids, hashed (64 bits: collisions are negligible next to the calls a
// range holds, and the map stays small).
uint64_t CallKey(std::string_view trace_id, std::string_view span_id, std::string* scratch) {
  scratch->assign(trace_id);
  scratch->append(span_id);
  return XXH3_64bits(scratch->data(), scratch->size());
}

struct BackendRoute {
  std::string service, method, route;
  Durations durations;
  double errors = 0;
  Durations browser;  // the durations the browser saw of the calls it served
  std::vector<std::pair<std::string, int64_t>> endpoints;  // "METHOD endpoint" of those calls
};

// The browser's side of a traced call.
struct TracedCall {
  Endpoint* endpoint;
  double duration, weight;
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
  scan.types = {"api_call", "span"};
  for (ColumnId c : {ColumnId::ts, ColumnId::type, ColumnId::method, ColumnId::request_route,
                     ColumnId::status, ColumnId::duration, ColumnId::sample_rate,
                     ColumnId::trace_id, ColumnId::span_id, ColumnId::parent_span_id,
                     ColumnId::kind, ColumnId::service, ColumnId::span_status, ColumnId::size}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  for (const DimensionFilter& f : query.filters)
    scan.columns.set(static_cast<size_t>(f.dim.column));
  std::map<std::pair<std::string, std::string>, Endpoint> endpoints;
  std::unordered_map<uint64_t, TracedCall> calls;  // by CallKey
  std::vector<ServerSpan> server_spans;
  std::vector<BackendRoute> routes;
  std::unordered_map<std::string, uint32_t> route_index;  // service \x1f method \x1f route
  std::string scratch;
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
      if (IsNull(duration.doubles[row])) continue;
      if (type.str(row) == "span") {
        if (batch.col(ColumnId::kind).str(row) != "server") continue;
        std::string_view service = batch.col(ColumnId::service).str(row);
        scratch.assign(service).append(1, '\x1f').append(method.str(row)).append(1, '\x1f');
        scratch.append(route.str(row));
        auto [at, added] = route_index.try_emplace(scratch, static_cast<uint32_t>(routes.size()));
        if (added) {
          BackendRoute& r = routes.emplace_back();
          r.service = service;
          r.method = method.str(row);
          r.route = route.str(row);
        }
        const int64_t code = status.ints[row];
        server_spans.push_back({CallKey(batch.col(ColumnId::trace_id).str(row),
                                        batch.col(ColumnId::parent_span_id).str(row), &scratch),
                                at->second, duration.doubles[row],
                                batch.col(ColumnId::span_status).str(row) == "error" ||
                                    (!IsNull(code) && code >= 500)});
        continue;
      }
      if (type.str(row) != "api_call") continue;
      bool keep = true;
      for (const DimensionFilter& f : query.filters) {
        keep = keep && MatchesFilter(f, batch.col(f.dim.column).str(row));
      }
      if (!keep) continue;
      ++scanned;
      const double r = rate.doubles[row];
      const double w = SampleWeight(r);
      auto [it, added] =
          endpoints.try_emplace({std::string(method.str(row)), std::string(route.str(row))});
      Endpoint& e = it->second;
      if (added) {
        e.method = it->first.first;
        e.route = it->first.second;
      }
      e.durations.emplace_back(duration.doubles[row], w);
      e.weight += w;
      e.classes[StatusClass(status.ints[row])] += w;
      if (const int64_t bytes = batch.col(ColumnId::size).ints[row]; !IsNull(bytes)) {
        e.sizes.emplace_back(static_cast<double>(bytes), w);
        e.size_weight += w;
      }
      std::string_view trace_id = batch.col(ColumnId::trace_id).str(row);
      if (!trace_id.empty()) {
        calls.emplace(CallKey(trace_id, batch.col(ColumnId::span_id).str(row), &scratch),
                      TracedCall{&e, duration.doubles[row], w});
      }
    }
    return Status::Ok();
  }));
  // The join: a server span whose parent is a browser call's span.
  for (const ServerSpan& span : server_spans) {
    auto call = calls.find(span.call_key);
    if (call == calls.end() && !query.filters.empty()) continue;  // not a filtered call's
    BackendRoute& r = routes[span.route];
    r.durations.emplace_back(span.duration, 1.0);
    r.errors += span.error ? 1 : 0;
    if (call == calls.end()) continue;
    Endpoint& e = *call->second.endpoint;
    e.backend.emplace_back(span.duration, call->second.weight);
    e.traced.emplace_back(call->second.duration, call->second.weight);
    Count(&e.backend_routes, r.route);
    Count(&e.backend_services, r.service);
    r.browser.emplace_back(call->second.duration, call->second.weight);
    Count(&r.endpoints, e.method + " " + e.route);
  }

  std::vector<Endpoint*> order;
  for (auto& [key, e] : endpoints) {
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
  for (Endpoint* e : order) {
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
    w.Key("size");
    if (e->sizes.empty()) {
      w.Null();
    } else {
      std::sort(e->sizes.begin(), e->sizes.end());
      w.BeginObject();
      w.Key("samples");
      w.Int(static_cast<int64_t>(e->sizes.size()));
      for (auto [key, q] :
           {std::pair{"p50_bytes", 0.5}, {"p75_bytes", 0.75}, {"p95_bytes", 0.95}}) {
        w.Key(key);
        w.Double(WeightedQuantile(e->sizes, e->size_weight, q));
      }
      w.EndObject();
    }
    // The backend's server spans for the traced calls, and the browser's view of those calls.
    w.Key("backend");
    if (e->backend.empty()) {
      w.Null();
    } else {
      w.BeginObject();
      w.Key("samples");
      w.Int(static_cast<int64_t>(e->backend.size()));
      WriteQuantiles(w, QuantilesOf(e->backend));
      w.Key("browser_p75_ms");
      w.Double(QuantilesOf(e->traced).p75);
      for (auto [key, names] :
           {std::pair{"routes", &e->backend_routes}, std::pair{"services", &e->backend_services}}) {
        w.Key(key);
        w.BeginArray();
        for (const auto& [name, count] : *names) w.String(name);
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  // Server spans by service, method and route, with the browser's view of the calls they served.
  std::vector<BackendRoute*> route_order;
  for (BackendRoute& r : routes) {
    if (!r.durations.empty()) route_order.push_back(&r);  // (with filters, some served none)
  }
  std::sort(route_order.begin(), route_order.end(),
            [](const BackendRoute* a, const BackendRoute* b) {
              if (a->durations.size() != b->durations.size()) {
                return a->durations.size() > b->durations.size();
              }
              return std::tie(a->service, a->method, a->route) <
                     std::tie(b->service, b->method, b->route);
            });
  if (route_order.size() > query.limit) route_order.resize(query.limit);
  w.Key("backend_routes");
  w.BeginArray();
  for (BackendRoute* r : route_order) {
    w.BeginObject();
    w.Key("service");
    w.String(r->service);
    w.Key("method");
    w.String(r->method);
    w.Key("route");
    w.String(r->route);
    w.Key("count");
    w.Int(static_cast<int64_t>(r->durations.size()));
    WriteQuantiles(w, QuantilesOf(r->durations));
    w.Key("error_rate");
    w.Double(r->errors / static_cast<double>(r->durations.size()));
    w.Key("browser");
    if (r->browser.empty()) {
      w.Null();
    } else {
      auto top = std::max_element(r->endpoints.begin(), r->endpoints.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
      w.BeginObject();
      w.Key("call");
      w.String(top->first);
      w.Key("samples");
      w.Int(static_cast<int64_t>(r->browser.size()));
      WriteQuantiles(w, QuantilesOf(r->browser));
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  WriteScanRangeAndSource(w, query.from_ms, query.to_ms, scanned);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
