#include "query/crux_query.h"

#include <map>

#include "common/json_writer.h"
#include "common/vitals.h"
#include "query/dimensions.h"

namespace sightline {
namespace {

constexpr std::string_view kCruxVitals[] = {"LCP", "INP", "CLS", "FCP", "TTFB"};
const std::vector<std::string> kCruxBrowsers = {"Chrome", "Chrome Mobile"};

}  // namespace

std::optional<QueryError> ParseCruxQuery(const QueryParams& params, int64_t now_ms,
                                         CruxQuery* query) {
  if (FindParam(params, "from") != nullptr) {
    return QueryError{"from", "the CrUX window is always the 28 days before `to`"};
  }
  QueryParams with_from = params;
  int64_t from_ms = 0, to_ms = 0;
  if (auto err = ParseTimeRange(params, now_ms, &from_ms, &to_ms)) return err;
  with_from.emplace_back("from", std::to_string(to_ms - kCruxWindowMs));
  with_from.emplace_back("name", "LCP");
  AggregateSpec base;
  if (auto err = ParseMetricsQuery(with_from, now_ms, &base)) return err;
  if (base.group_by.size() > 1) return QueryError{"group_by", "at most one dimension"};
  for (const DimensionFilter& f : base.filters) {
    if (f.dim.name == "browser") {
      return QueryError{"filter", "the browser is CrUX's: Chrome and Chrome Mobile"};
    }
  }
  DimensionRef browser;
  LookupDimension("browser", &browser);
  base.filters.push_back({browser, kCruxBrowsers, {}, {}, {}});
  base.limit = 0;
  query->specs.clear();
  for (std::string_view vital : kCruxVitals) {
    AggregateSpec spec = base;
    spec.metric_name = std::string(vital);
    const VitalThresholds* t = FindVitalThresholds(vital);
    Stat good{"good", StatKind::kShare}, ni{"ni", StatKind::kShare}, poor{"poor", StatKind::kShare};
    good.at_most = t->good;
    ni.above = t->good, ni.at_most = t->poor;
    poor.above = t->poor;
    spec.stats = {{"p75", StatKind::kQuantile, 0.75}, good, ni, poor, {"count", StatKind::kCount}};
    query->specs.push_back(std::move(spec));
  }
  return std::nullopt;
}

std::string FormatCrux(const CruxQuery& query, const std::vector<AggregateResult>& per_vital) {
  const AggregateSpec& first = query.specs.front();
  // Groups in the order of the first vital with the most weight, then any others.
  std::vector<std::vector<std::string>> groups;
  std::map<std::vector<std::string>, std::vector<const AggregateRow*>> by_group;
  for (size_t v = 0; v < per_vital.size(); ++v) {
    for (const AggregateRow& row : per_vital[v].rows) {
      auto [it, added] = by_group.try_emplace(row.group, per_vital.size(), nullptr);
      if (added) groups.push_back(row.group);
      it->second[v] = &row;
    }
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("from");
  w.Int(first.from_ms);
  w.Key("to");
  w.Int(first.to_ms);
  w.Key("browsers");
  w.BeginArray();
  for (const std::string& b : kCruxBrowsers) w.String(b);
  w.EndArray();
  w.Key("rows");
  w.BeginArray();
  for (const std::vector<std::string>& group : groups) {
    w.BeginObject();
    WriteGroup(w, first.group_by, group);
    const std::vector<const AggregateRow*>& rows = by_group[group];
    for (size_t v = 0; v < query.specs.size(); ++v) {
      w.Key(query.specs[v].metric_name);
      if (rows[v] == nullptr) {
        w.Null();
        continue;
      }
      w.BeginObject();
      for (size_t s = 0; s < query.specs[v].stats.size(); ++s) {
        w.Key(query.specs[v].stats[s].name);
        w.Double(rows[v]->values[s]);
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  WriteQuerySource(w, first.exact, per_vital);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
