#include "query/navigation_query.h"

#include <algorithm>
#include <array>
#include <map>

#include "common/json_writer.h"

namespace sightline {
namespace {

struct Phase {
  const char* name;
  ColumnId column;
};

// In the order a load goes through them.
constexpr std::array<Phase, 8> kPhases = {{{"dns", ColumnId::dns},
                                           {"tcp", ColumnId::tcp},
                                           {"tls", ColumnId::tls},
                                           {"request", ColumnId::request},
                                           {"ttfb", ColumnId::ttfb},
                                           {"dom_interactive", ColumnId::dom_interactive},
                                           {"dom_content_loaded", ColumnId::dom_content_loaded},
                                           {"load", ColumnId::load}}};

// Each phase's statistics for one group, in kPhases' order; absent: no page view of the group
// measured the phase.
using PhaseValues = std::array<std::optional<std::vector<double>>, kPhases.size()>;
constexpr size_t kTtfb = 4;  // kPhases[kTtfb]: the phase every hard page view measures

// The statistics of one phase's aggregation, in this order.
enum StatIndex { kCount, kSamples, kP50, kP75, kP95 };

std::vector<Stat> StatsOfAPhase() {
  std::vector<Stat> stats(5);
  stats[kCount] = {"count", StatKind::kCount};
  stats[kSamples] = {"samples", StatKind::kSamples};
  for (auto [i, q] : {std::pair{kP50, 0.5}, {kP75, 0.75}, {kP95, 0.95}}) {
    stats[i].name = "p" + std::to_string(static_cast<int>(q * 100));
    stats[i].kind = StatKind::kQuantile;
    stats[i].quantile = q;
  }
  return stats;
}

}  // namespace

std::optional<QueryError> ParseNavigationQuery(const QueryParams& params, int64_t now_ms,
                                               NavigationQuery* query) {
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  if (auto err = ParseFilters(params, &query->filters)) return err;
  if (auto err = ParseGroupBy(params, &query->group_by)) return err;
  size_t limit = 0;
  if (auto err = ParseLimit(params, &limit)) return err;
  if (limit > 1000) return QueryError{"limit", "at most 1000 rows"};
  if (limit > 0) query->limit = limit;
  return std::nullopt;
}

Result<std::string> RunNavigationQuery(Store& store, const NavigationQuery& query) {
  std::map<std::vector<std::string>, PhaseValues> groups;
  uint64_t scanned = 0;
  for (size_t p = 0; p < kPhases.size(); ++p) {
    AggregateSpec spec;
    spec.project = query.project;
    spec.from_ms = query.from_ms;
    spec.to_ms = query.to_ms;
    spec.event_type = "page_view";
    spec.value_column = kPhases[p].column;
    spec.filters = query.filters;
    spec.group_by = query.group_by;
    spec.stats = StatsOfAPhase();
    spec.exact = true;
    spec.control = store.control();
    Result<AggregateResult> result = store.Aggregate(spec);
    if (!result.ok()) return result.status();
    scanned = std::max(scanned, result->scanned_events);  // the same page views, read again
    for (AggregateRow& row : result->rows) groups[std::move(row.group)][p] = std::move(row.values);
  }
  // Groups by the page views that measured their time to first byte, then by their values.
  std::vector<std::pair<const std::vector<std::string>*, const PhaseValues*>> order;
  for (const auto& [group, phases] : groups) order.emplace_back(&group, &phases);
  auto measured = [](const PhaseValues* phases) {
    const auto& ttfb = (*phases)[kTtfb];
    return ttfb ? (*ttfb)[kCount] : 0.0;
  };
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return measured(a.second) > measured(b.second);
  });
  if (order.size() > query.limit) order.resize(query.limit);

  JsonWriter w;
  w.BeginObject();
  w.Key("rows");
  w.BeginArray();
  for (const auto& [group, phases] : order) {
    w.BeginObject();
    WriteGroup(w, query.group_by, *group);
    w.Key("page_views");
    w.Double(measured(phases));
    w.Key("samples");
    w.Double((*phases)[kTtfb] ? (*(*phases)[kTtfb])[kSamples] : 0);
    w.Key("phases");
    w.BeginObject();
    for (size_t p = 0; p < kPhases.size(); ++p) {
      w.Key(kPhases[p].name);
      const std::optional<std::vector<double>>& values = (*phases)[p];
      if (!values) {
        w.Null();
        continue;
      }
      w.BeginObject();
      w.Key("p50");
      w.Double((*values)[kP50]);
      w.Key("p75");
      w.Double((*values)[kP75]);
      w.Key("p95");
      w.Double((*values)[kP95]);
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  WriteScanRangeAndSource(w, query.from_ms, query.to_ms, scanned);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
