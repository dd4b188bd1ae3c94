#include "query/resources_query.h"

#include <simdjson.h>

#include <algorithm>
#include <unordered_map>

#include "common/event.h"
#include "common/json_writer.h"
#include "store/aggregate.h"
#include "store/query_control.h"

namespace sightline {
namespace {

using Samples = std::vector<std::pair<double, double>>;  // (value, weight)

// One resource URL among the page views' slowest five.
struct Resource {
  std::string initiator;
  double page_views = 0;  // weighted: the page views that listed it
  double total_ms = 0, transfer_bytes = 0;
  Samples durations;
};

struct Domain {
  double page_views = 0, requests = 0, duration_ms = 0, transfer_bytes = 0;
};

// The `limit` entries of `map` with the largest key(entry), as pointers.
template <typename T, typename Key>
std::vector<std::pair<const std::string*, T*>> Top(std::unordered_map<std::string, T>& map,
                                                   size_t limit, Key key) {
  std::vector<std::pair<const std::string*, T*>> top;
  for (auto& [name, value] : map) top.emplace_back(&name, &value);
  std::sort(top.begin(), top.end(), [&](const auto& a, const auto& b) {
    const double ka = key(*a.second), kb = key(*b.second);
    return ka != kb ? ka > kb : *a.first < *b.first;
  });
  if (top.size() > limit) top.resize(limit);
  return top;
}

}  // namespace

std::optional<QueryError> ParseResourcesQuery(const QueryParams& params, int64_t now_ms,
                                              ResourcesQuery* query) {
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  if (auto err = ParseFilters(params, &query->filters)) return err;
  size_t limit = 0;
  if (auto err = ParseLimit(params, &limit)) return err;
  if (limit > 1000) return QueryError{"limit", "at most 1000 rows"};
  if (limit > 0) query->limit = limit;
  if (const std::string* sort = FindParam(params, "sort")) {
    if (*sort != "time" && *sort != "bytes") return QueryError{"sort", "time or bytes"};
    query->sort = *sort;
  }
  return std::nullopt;
}

Result<std::string> RunResourcesQuery(Store& store, const ResourcesQuery& query) {
  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = query.from_ms;
  scan.to_ms = query.to_ms;
  scan.types = {"resource"};
  for (ColumnId c : {ColumnId::ts, ColumnId::type, ColumnId::attributes, ColumnId::sample_rate}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  for (const DimensionFilter& f : query.filters)
    scan.columns.set(static_cast<size_t>(f.dim.column));

  double page_views = 0;
  uint64_t samples = 0;
  std::unordered_map<std::string, Resource> resources;
  std::unordered_map<std::string, Domain> domains;
  std::unordered_map<std::string, double> blocking;  // URL → weighted page views it blocked
  simdjson::dom::parser json;
  const QueryControl* control = store.control();
  uint64_t held = 0;
  SL_RETURN_IF_ERROR(store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& ts = batch.col(ColumnId::ts);
    for (size_t row = 0; row < batch.rows; ++row) {
      if (ts.ints[row] < query.from_ms || ts.ints[row] >= query.to_ms ||
          batch.col(ColumnId::type).str(row) != "resource") {
        continue;
      }
      bool keep = true;
      for (const DimensionFilter& f : query.filters) {
        keep = keep && MatchesFilter(f, batch.col(f.dim.column).str(row));
      }
      simdjson::dom::object summary;
      if (!keep || json.parse(batch.col(ColumnId::attributes).str(row)).get(summary)) continue;
      const double w = SampleWeight(batch.col(ColumnId::sample_rate).doubles[row]);
      page_views += w;
      ++samples;
      simdjson::dom::array slowest;
      if (!summary["slowest"].get(slowest)) {
        for (simdjson::dom::element item : slowest) {
          std::string_view url, initiator;
          double duration = 0, bytes = 0;
          if (item["url"].get(url) || item["duration"].get(duration) || duration < 0) continue;
          if (item["transfer_bytes"].get(bytes) || bytes < 0) bytes = 0;
          Resource& r = resources[std::string(url)];
          if (r.initiator.empty() && !item["initiator"].get(initiator)) r.initiator = initiator;
          r.page_views += w;
          r.total_ms += w * duration;
          r.transfer_bytes += w * bytes;
          r.durations.emplace_back(duration, w);
        }
      }
      simdjson::dom::object third_party;
      if (!summary["third_party"].get(third_party)) {
        for (auto [domain, totals] : third_party) {
          Domain& d = domains[std::string(domain)];
          double count = 0, bytes = 0, duration = 0;
          if (totals["count"].get(count) || count < 0) count = 0;
          if (totals["transfer_bytes"].get(bytes) || bytes < 0) bytes = 0;
          if (totals["duration"].get(duration) || duration < 0) duration = 0;
          d.page_views += w;
          d.requests += w * count;
          d.transfer_bytes += w * bytes;
          d.duration_ms += w * duration;
        }
      }
      simdjson::dom::array render_blocking;
      if (!summary["render_blocking"].get(render_blocking)) {
        for (simdjson::dom::element item : render_blocking) {
          std::string_view url;
          if (!item.get(url)) blocking[std::string(url)] += w;
        }
      }
    }
    // Every URL and domain seen, with a sample per listing: held against the memory limit.
    constexpr uint64_t kEntryBytes = 160;  // a map node with its key
    const uint64_t bytes = (resources.size() + domains.size() + blocking.size()) * kEntryBytes +
                           samples * 5 * sizeof(Samples::value_type);
    return control ? control->Account(&held, bytes) : Status::Ok();
  }));

  const bool by_bytes = query.sort == "bytes";
  JsonWriter w;
  w.BeginObject();
  w.Key("page_views");
  w.Double(page_views);
  w.Key("samples");
  w.Int(static_cast<int64_t>(samples));
  w.Key("resources");
  w.BeginArray();
  for (auto [url, r] : Top(resources, query.limit, [&](const Resource& r) {
         return by_bytes ? r.transfer_bytes : r.total_ms;
       })) {
    std::sort(r->durations.begin(), r->durations.end());
    w.BeginObject();
    w.Key("url");
    w.String(*url);
    w.Key("initiator");
    r->initiator.empty() ? w.Null() : w.String(r->initiator);
    w.Key("page_views");
    w.Double(r->page_views);
    w.Key("total_ms");
    w.Double(r->total_ms);
    w.Key("p50_ms");
    w.Double(WeightedQuantile(r->durations, r->page_views, 0.5));
    w.Key("p75_ms");
    w.Double(WeightedQuantile(r->durations, r->page_views, 0.75));
    w.Key("transfer_bytes");
    w.Double(r->transfer_bytes);
    w.EndObject();
  }
  w.EndArray();
  w.Key("third_party");
  w.BeginArray();
  for (auto [domain, d] : Top(domains, query.limit, [&](const Domain& d) {
         return by_bytes ? d.transfer_bytes : d.duration_ms;
       })) {
    w.BeginObject();
    w.Key("domain");
    w.String(*domain);
    w.Key("page_views");
    w.Double(d->page_views);
    w.Key("requests");
    w.Double(d->requests);
    w.Key("duration_ms");
    w.Double(d->duration_ms);
    w.Key("transfer_bytes");
    w.Double(d->transfer_bytes);
    w.EndObject();
  }
  w.EndArray();
  w.Key("render_blocking");
  w.BeginArray();
  for (auto [url, blocked] : Top(blocking, query.limit, [](double v) { return v; })) {
    w.BeginObject();
    w.Key("url");
    w.String(*url);
    w.Key("page_views");
    w.Double(*blocked);
    w.Key("share");
    w.Double(page_views > 0 ? *blocked / page_views : 0);
    w.EndObject();
  }
  w.EndArray();
  WriteScanRangeAndSource(w, query.from_ms, query.to_ms, samples);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
