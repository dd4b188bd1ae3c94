#include "query/long_frames_query.h"

#include <simdjson.h>

#include <algorithm>
#include <map>

#include "common/event.h"
#include "common/json_writer.h"
#include "store/aggregate.h"
#include "store/query_control.h"

namespace sightline {
namespace {

struct Culprit {
  double frames = 0;  // weighted
  uint64_t samples = 0;
  double total_ms = 0, blocking_ms = 0;
  std::map<std::string, double> invokers;  // what ran the script (event listener, timer, ...)
  std::vector<std::pair<double, double>> durations;
};

}  // namespace

std::optional<QueryError> ParseLongFramesQuery(const QueryParams& params, int64_t now_ms,
                                               LongFramesQuery* query) {
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  if (auto err = ParseFilters(params, &query->filters)) return err;
  size_t limit = 0;
  if (auto err = ParseLimit(params, &limit)) return err;
  if (limit > 1000) return QueryError{"limit", "at most 1000 rows"};
  if (limit > 0) query->limit = limit;
  if (const std::string* sort = FindParam(params, "sort")) {
    if (*sort != "blocking" && *sort != "count") return QueryError{"sort", "blocking or count"};
    query->sort = *sort;
  }
  return std::nullopt;
}

Result<std::string> RunLongFramesQuery(Store& store, const LongFramesQuery& query) {
  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = query.from_ms;
  scan.to_ms = query.to_ms;
  scan.types = {"long_task"};
  for (ColumnId c : {ColumnId::ts, ColumnId::type, ColumnId::attributes, ColumnId::sample_rate}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  for (const DimensionFilter& f : query.filters)
    scan.columns.set(static_cast<size_t>(f.dim.column));

  // By (script URL, function); "" for none.
  std::map<std::pair<std::string, std::string>, Culprit> culprits;
  double frames = 0, blocking = 0;
  uint64_t samples = 0;
  simdjson::dom::parser json;
  const QueryControl* control = store.control();
  uint64_t held = 0;
  SL_RETURN_IF_ERROR(store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& ts = batch.col(ColumnId::ts);
    for (size_t row = 0; row < batch.rows; ++row) {
      if (ts.ints[row] < query.from_ms || ts.ints[row] >= query.to_ms ||
          batch.col(ColumnId::type).str(row) != "long_task") {
        continue;
      }
      bool keep = true;
      for (const DimensionFilter& f : query.filters) {
        keep = keep && MatchesFilter(f, batch.col(f.dim.column).str(row));
      }
      simdjson::dom::object frame;
      double duration = 0;
      if (!keep || json.parse(batch.col(ColumnId::attributes).str(row)).get(frame) ||
          frame["duration"].get(duration) || !(duration >= 0)) {
        continue;
      }
      double blocking_ms = 0;
      if (frame["blocking_duration"].get(blocking_ms) || !(blocking_ms >= 0)) blocking_ms = 0;
      // Absent or not a string: "" (no such member, or a frame without a script).
      auto text = [&](const char* key) {
        std::string_view value;
        return frame[key].get(value) == simdjson::SUCCESS ? value : std::string_view();
      };
      const std::string_view script = text("script"), function = text("function"),
                             invoker = text("invoker");
      const double w = SampleWeight(batch.col(ColumnId::sample_rate).doubles[row]);
      Culprit& c = culprits[{std::string(script), std::string(function)}];
      c.frames += w;
      ++c.samples;
      c.total_ms += w * duration;
      c.blocking_ms += w * blocking_ms;
      if (!invoker.empty()) c.invokers[std::string(invoker)] += w;
      c.durations.emplace_back(duration, w);
      frames += w;
      blocking += w * blocking_ms;
      ++samples;
    }
    constexpr uint64_t kCulpritBytes = 256;  // a map node with its strings
    const uint64_t bytes =
        culprits.size() * kCulpritBytes + samples * sizeof(std::pair<double, double>);
    return control ? control->Account(&held, bytes) : Status::Ok();
  }));

  std::vector<std::pair<const std::pair<std::string, std::string>*, Culprit*>> order;
  for (auto& [key, c] : culprits) order.emplace_back(&key, &c);
  const bool by_count = query.sort == "count";
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return by_count ? a.second->frames > b.second->frames
                    : a.second->blocking_ms > b.second->blocking_ms;
  });
  if (order.size() > query.limit) order.resize(query.limit);

  JsonWriter w;
  w.BeginObject();
  w.Key("frames");
  w.Double(frames);
  w.Key("samples");
  w.Int(static_cast<int64_t>(samples));
  w.Key("blocking_ms");
  w.Double(blocking);
  w.Key("rows");
  w.BeginArray();
  for (auto& [key, c] : order) {
    std::sort(c->durations.begin(), c->durations.end());
    auto invoker =
        std::max_element(c->invokers.begin(), c->invokers.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    w.BeginObject();
    w.Key("script");
    key->first.empty() ? w.Null() : w.String(key->first);
    w.Key("function");
    key->second.empty() ? w.Null() : w.String(key->second);
    w.Key("invoker");
    invoker == c->invokers.end() ? w.Null() : w.String(invoker->first);
    w.Key("frames");
    w.Double(c->frames);
    w.Key("samples");
    w.Int(static_cast<int64_t>(c->samples));
    w.Key("total_ms");
    w.Double(c->total_ms);
    w.Key("blocking_ms");
    w.Double(c->blocking_ms);
    w.Key("p75_ms");
    w.Double(WeightedQuantile(c->durations, c->frames, 0.75));
    w.EndObject();
  }
  w.EndArray();
  WriteScanRangeAndSource(w, query.from_ms, query.to_ms, samples);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
