#include "query/coverage_query.h"

#include <algorithm>
#include <map>

#include "common/json_writer.h"
#include "query/dimensions.h"

namespace sightline {

std::optional<QueryError> ParseCoverageQuery(const QueryParams& params, int64_t now_ms,
                                             CoverageQuery* query) {
  AggregateSpec base;
  if (auto err = ParseTimeRange(params, now_ms, &base.from_ms, &base.to_ms)) return err;
  if (auto err = ParseFilters(params, &base.filters)) return err;
  for (const DimensionFilter& f : base.filters) {
    if (f.dim.name != "route" && f.dim.name != "service") {
      return QueryError{"filter", "coverage can be filtered by route and service only"};
    }
  }
  DimensionRef route;
  LookupDimension("route", &route);
  base.group_by = {route};
  base.value_column = ColumnId::value;

  query->page_views = base;
  query->page_views.event_type = "page_view";
  query->page_views.null_values_count = true;
  query->page_views.int_filters = {{ColumnId::soft, 1, false}};
  query->page_views.stats = {{"page_views", StatKind::kCount}};

  query->page_requests = base;
  query->page_requests.event_type = "traffic";
  query->page_requests.stats = {{"page_requests", StatKind::kSum}};
  return std::nullopt;
}

std::string FormatCoverage(const CoverageQuery& query, const AggregateResult& page_views,
                           const AggregateResult& page_requests) {
  struct Counts {
    double views = 0, requests = 0;
  };
  std::map<std::string, Counts> by_route;
  Counts total;
  for (const AggregateRow& row : page_views.rows) {
    by_route[row.group[0]].views += row.values[0];
    total.views += row.values[0];
  }
  for (const AggregateRow& row : page_requests.rows) {
    by_route[row.group[0]].requests += row.values[0];
    total.requests += row.values[0];
  }
  std::vector<std::pair<std::string, Counts>> routes(by_route.begin(), by_route.end());
  std::stable_sort(routes.begin(), routes.end(), [](const auto& a, const auto& b) {
    return a.second.requests != b.second.requests ? a.second.requests > b.second.requests
                                                  : a.second.views > b.second.views;
  });
  JsonWriter w;
  auto counts = [&w](const Counts& c) {
    w.Key("page_views");
    w.Double(c.views);
    w.Key("page_requests");
    w.Double(c.requests);
    w.Key("coverage");
    if (c.requests > 0) {
      w.Double(c.views / c.requests);
    } else {
      w.Null();
    }
  };
  w.BeginObject();
  w.Key("from");
  w.Int(query.page_views.from_ms);
  w.Key("to");
  w.Int(query.page_views.to_ms);
  counts(total);
  w.Key("routes");
  w.BeginArray();
  for (const auto& [route, c] : routes) {
    w.BeginObject();
    w.Key("route");
    if (route.empty()) {
      w.Null();
    } else {
      w.String(route);
    }
    counts(c);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
