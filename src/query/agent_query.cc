#include "query/agent_query.h"

#include <simdjson.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "common/json_writer.h"
#include "store/query_control.h"

namespace sightline {
namespace {

constexpr std::string_view kFootprint = "sightline_footprint";

// What the agent reported last for one page view: its figures only grow while the page lives, so
// the largest is the latest.
struct PageCost {
  std::string browser, release;
  double weight = 1;
  double script_ms = 0, bytes_sent = 0, beacons = 0;
};

using Samples = std::vector<std::pair<double, double>>;  // (value, weight)

struct Group {
  double page_views = 0;  // weighted
  size_t samples = 0;
  Samples script_ms, bytes_sent, beacons;
};

// {"p50": ..., "p75": ..., "p95": ...} of `samples` (sorted here), weighted nearest rank.
void WriteQuantiles(JsonWriter& w, Samples& samples, double weight) {
  std::sort(samples.begin(), samples.end());
  w.BeginObject();
  for (auto [key, q] : {std::pair{"p50", 0.5}, {"p75", 0.75}, {"p95", 0.95}}) {
    w.Key(key);
    w.Double(WeightedQuantile(samples, weight, q));
  }
  w.EndObject();
}

}  // namespace

std::optional<QueryError> ParseAgentQuery(const QueryParams& params, int64_t now_ms,
                                          AgentQuery* query) {
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  if (auto err = ParseFilters(params, &query->filters)) return err;
  size_t limit = 0;
  if (auto err = ParseLimit(params, &limit)) return err;
  if (limit > 1000) return QueryError{"limit", "at most 1000 rows"};
  if (limit > 0) query->limit = limit;
  return std::nullopt;
}

Result<std::string> RunAgentQuery(Store& store, const AgentQuery& query) {
  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = query.from_ms;
  scan.to_ms = query.to_ms;
  scan.types = {"custom"};
  scan.names = {std::string(kFootprint)};
  for (ColumnId c :
       {ColumnId::ts, ColumnId::type, ColumnId::name, ColumnId::session_id, ColumnId::page_view_id,
        ColumnId::attributes, ColumnId::browser, ColumnId::release, ColumnId::sample_rate}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  for (const DimensionFilter& f : query.filters) {
    scan.columns.set(static_cast<size_t>(f.dim.column));
  }
  std::unordered_map<std::string, PageCost> pages;  // by session and page view id
  simdjson::dom::parser json;
  std::string key;
  uint64_t scanned = 0;
  const QueryControl* control = store.control();
  uint64_t held = 0;
  SL_RETURN_IF_ERROR(store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& ts = batch.col(ColumnId::ts);
    for (size_t row = 0; row < batch.rows; ++row) {
      if (ts.ints[row] < query.from_ms || ts.ints[row] >= query.to_ms) continue;
      if (batch.col(ColumnId::type).str(row) != "custom" ||
          batch.col(ColumnId::name).str(row) != kFootprint) {
        continue;
      }
      bool keep = true;
      for (const DimensionFilter& f : query.filters) {
        keep = keep && MatchesFilter(f, batch.col(f.dim.column).str(row));
      }
      simdjson::dom::object attributes;
      if (!keep || json.parse(batch.col(ColumnId::attributes).str(row)).get(attributes)) continue;
      ++scanned;
      key.assign(batch.col(ColumnId::session_id).str(row)).append(1, '\x1f');
      key.append(batch.col(ColumnId::page_view_id).str(row));
      auto [it, added] = pages.try_emplace(key);
      PageCost& page = it->second;
      if (added) {
        page.browser = batch.col(ColumnId::browser).str(row);
        page.release = batch.col(ColumnId::release).str(row);
        page.weight = SampleWeight(batch.col(ColumnId::sample_rate).doubles[row]);
      }
      auto latest = [&](const char* name, double* into) {
        double value;
        if (attributes[name].get(value) == simdjson::SUCCESS && value >= 0) {
          *into = std::max(*into, value);
        }
      };
      latest("script_ms", &page.script_ms);
      latest("bytes_sent", &page.bytes_sent);
      latest("beacons", &page.beacons);
    }
    // One entry per page view in range: held against the query's memory limit.
    constexpr uint64_t kPageBytes = sizeof(PageCost) + 128;  // its key, strings and map node
    return control ? control->Account(&held, pages.size() * kPageBytes) : Status::Ok();
  }));

  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const auto& [unused, page] : pages) {
    Group& g = groups[{page.browser, page.release}];
    g.page_views += page.weight;
    ++g.samples;
    g.script_ms.emplace_back(page.script_ms, page.weight);
    g.bytes_sent.emplace_back(page.bytes_sent, page.weight);
    g.beacons.emplace_back(page.beacons, page.weight);
  }
  std::vector<std::pair<const std::pair<std::string, std::string>*, Group*>> order;
  for (auto& [k, g] : groups) order.emplace_back(&k, &g);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second->page_views > b.second->page_views;
  });
  if (order.size() > query.limit) order.resize(query.limit);

  JsonWriter w;
  w.BeginObject();
  w.Key("rows");
  w.BeginArray();
  for (auto& [k, g] : order) {
    w.BeginObject();
    w.Key("browser");
    k->first.empty() ? w.Null() : w.String(k->first);
    w.Key("release");
    k->second.empty() ? w.Null() : w.String(k->second);
    w.Key("page_views");
    w.Double(g->page_views);
    w.Key("samples");
    w.Int(static_cast<int64_t>(g->samples));
    w.Key("script_ms");
    WriteQuantiles(w, g->script_ms, g->page_views);
    w.Key("bytes_sent");
    WriteQuantiles(w, g->bytes_sent, g->page_views);
    w.Key("beacons");
    WriteQuantiles(w, g->beacons, g->page_views);
    w.EndObject();
  }
  w.EndArray();
  WriteScanRangeAndSource(w, query.from_ms, query.to_ms, scanned);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
