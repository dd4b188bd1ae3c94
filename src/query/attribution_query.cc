#include "query/attribution_query.h"

#include <simdjson.h>

#include <algorithm>
#include <map>

#include "common/json_writer.h"
#include "common/vitals.h"

namespace sightline {
namespace {

// The attribution members whose p75 is reported, per vital.
const std::vector<std::string_view>& PhasesOf(std::string_view vital) {
  static const std::vector<std::string_view> kLcp = {"timeToFirstByte", "resourceLoadDelay",
                                                     "resourceLoadDuration", "elementRenderDelay"};
  static const std::vector<std::string_view> kInp = {"inputDelay", "processingDuration",
                                                     "presentationDelay"};
  static const std::vector<std::string_view> kNone;
  return vital == "LCP" ? kLcp : vital == "INP" ? kInp : kNone;
}

struct Group {
  std::vector<std::pair<double, double>> values;  // (vital value, weight)
  std::vector<std::vector<std::pair<double, double>>> phases;
  double weight = 0;
  uint64_t samples = 0;
  double p75 = 0;
};

// Parsed once per distinct attribution text of a batch.
struct Parsed {
  bool done = false;
  std::string key;
  std::vector<double> phases;  // NaN when absent
};

}  // namespace

std::optional<QueryError> ParseAttributionQuery(const QueryParams& params, int64_t now_ms,
                                                AttributionQuery* query) {
  const std::string* name = FindParam(params, "name");
  if (name == nullptr || FindVitalThresholds(*name) == nullptr) {
    return QueryError{"name", "required: LCP, INP, CLS, FCP, TTFB or FID"};
  }
  query->name = *name;
  if (const std::string* by = FindParam(params, "by")) {
    if (*by != "element" && *by != "url") {
      return QueryError{"by", "must be element or url, got \"" + *by + "\""};
    }
    query->by = *by;
  }
  if (const std::string* sort = FindParam(params, "sort")) {
    if (*sort != "count" && *sort != "p75") {
      return QueryError{"sort", "must be count or p75, got \"" + *sort + "\""};
    }
    query->sort = *sort;
  }
  if (FindParam(params, "limit") != nullptr) {
    if (auto err = ParseLimit(params, &query->limit)) return err;
    if (query->limit > 1000) return QueryError{"limit", "must be 1 to 1000"};
  }
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  return ParseFilters(params, &query->filters);
}

Result<std::string> RunAttributionQuery(Store& store, const AttributionQuery& query) {
  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = query.from_ms;
  scan.to_ms = query.to_ms;
  scan.types = {"vital"};
  scan.names = {query.name};
  for (ColumnId c : {ColumnId::ts, ColumnId::type, ColumnId::name, ColumnId::value,
                     ColumnId::sample_rate, ColumnId::attribution}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  for (const DimensionFilter& f : query.filters) {
    scan.columns.set(static_cast<size_t>(f.dim.column));
  }
  const std::vector<std::string_view>& phases = PhasesOf(query.name);
  std::map<std::string, Group> groups;
  double total = 0;
  uint64_t scanned = 0;
  simdjson::dom::parser json;
  std::vector<Parsed> parsed;
  BatchFilter filter(query.filters);
  SL_RETURN_IF_ERROR(store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& ts = batch.col(ColumnId::ts);
    const Column& type = batch.col(ColumnId::type);
    const Column& name = batch.col(ColumnId::name);
    const Column& value = batch.col(ColumnId::value);
    const Column& rate = batch.col(ColumnId::sample_rate);
    const Column& attribution = batch.col(ColumnId::attribution);
    parsed.assign(attribution.dict.size(), Parsed{});
    filter.Reset(batch);
    for (size_t row = 0; row < batch.rows; ++row) {
      if (ts.ints[row] < query.from_ms || ts.ints[row] >= query.to_ms) continue;
      if (type.str(row) != "vital" || name.str(row) != query.name) continue;
      const double v = value.doubles[row];
      if (IsNull(v)) continue;
      if (!filter.Keeps(batch, row)) continue;
      ++scanned;
      const double r = rate.doubles[row];
      const double w = SampleWeight(r);
      total += w;
      Parsed& p = parsed[attribution.ids[row]];
      if (!p.done) {
        p.done = true;
        p.phases.assign(phases.size(), kNullDouble);
        simdjson::dom::object object;
        const std::string_view text = attribution.str(row);
        if (!text.empty() &&
            json.parse(text.data(), text.size()).get(object) == simdjson::SUCCESS) {
          std::string_view key;
          if (object[query.by].get(key) == simdjson::SUCCESS) p.key.assign(key);
          for (size_t i = 0; i < phases.size(); ++i) {
            double d;
            if (object[phases[i]].get(d) == simdjson::SUCCESS) p.phases[i] = d;
          }
        }
      }
      Group& g = groups[p.key];
      if (g.phases.empty()) g.phases.resize(phases.size());
      g.values.emplace_back(v, w);
      for (size_t i = 0; i < phases.size(); ++i) {
        if (!IsNull(p.phases[i])) g.phases[i].emplace_back(p.phases[i], w);
      }
      g.weight += w;
      ++g.samples;
    }
    return Status::Ok();
  }));
  std::vector<std::pair<const std::string*, Group*>> order;
  for (auto& [key, g] : groups) {
    std::sort(g.values.begin(), g.values.end());
    g.p75 = WeightedQuantile(g.values, g.weight, 0.75);
    order.emplace_back(&key, &g);
  }
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return query.sort == "p75" ? a.second->p75 > b.second->p75
                               : a.second->weight > b.second->weight;
  });
  if (order.size() > query.limit) order.resize(query.limit);
  JsonWriter w;
  w.BeginObject();
  w.Key("name");
  w.String(query.name);
  w.Key("by");
  w.String(query.by);
  w.Key("count");
  w.Double(total);
  w.Key("rows");
  w.BeginArray();
  for (auto& [key, g] : order) {
    w.BeginObject();
    w.Key(query.by);
    w.StringOrNull(*key);
    w.Key("count");
    w.Double(g->weight);
    w.Key("samples");
    w.Int(static_cast<int64_t>(g->samples));
    w.Key("share");
    w.Double(g->weight / total);
    w.Key("p75");
    w.Double(g->p75);
    for (size_t i = 0; i < phases.size(); ++i) {
      std::vector<std::pair<double, double>>& values = g->phases[i];
      double weight = 0;
      for (const auto& [v, wt] : values) weight += wt;
      std::sort(values.begin(), values.end());
      w.Key(std::string(phases[i]) + "_p75");
      w.NumberOrNull(values.empty() ? std::numeric_limits<double>::quiet_NaN()
                                    : WeightedQuantile(values, weight, 0.75));
    }
    w.EndObject();
  }
  w.EndArray();
  WriteScanRangeAndSource(w, query.from_ms, query.to_ms, scanned);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
