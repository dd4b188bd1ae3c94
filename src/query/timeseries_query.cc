#include "query/timeseries_query.h"

#include "common/json_writer.h"
#include "common/time_parse.h"

namespace sightline {

std::optional<QueryError> ParseTimeseriesQuery(const QueryParams& params, int64_t now_ms,
                                               TimeseriesQuery* query) {
  AggregateSpec base;
  if (auto err = ParseMetricsQuery(params, now_ms, &base)) return err;
  if (!base.group_by.empty()) {
    return QueryError{"group_by", "not for time series: compare groups with `segment`"};
  }
  base.limit = 0;
  const std::string* interval = FindParam(params, "interval");
  query->interval_ms = ParseDurationMs(interval ? std::string_view(*interval) : "1h");
  if (query->interval_ms < 60'000 || query->interval_ms > 86'400'000) {
    return QueryError{"interval", "must be from 1m to 1d, written Nm, Nh or 1d (\"5m\", \"1h\")"};
  }
  if ((base.to_ms - base.from_ms) / query->interval_ms > kMaxBuckets) {
    return QueryError{"interval", "too many buckets for the range (at most " +
                                      std::to_string(kMaxBuckets) + "): use a longer interval"};
  }
  base.bucket_ms = query->interval_ms;
  query->segments.clear();
  for (const auto& [key, value] : params) {
    if (key != "segment") continue;
    if (query->segments.size() == kMaxSegments) {
      return QueryError{"segment", "at most four segments"};
    }
    TimeseriesQuery::Segment segment{value, base};
    std::vector<DimensionFilter> extra;
    if (auto err = ParseFilters({{"filter", value}}, &extra)) {
      return QueryError{"segment", err->reason};
    }
    if (extra.empty()) return QueryError{"segment", "names no filter clause"};
    for (DimensionFilter& f : extra) segment.spec.filters.push_back(std::move(f));
    query->segments.push_back(std::move(segment));
  }
  if (query->segments.empty()) query->segments.push_back({"", base});
  return std::nullopt;
}

std::string FormatTimeseries(const TimeseriesQuery& query,
                             const std::vector<AggregateResult>& per_segment) {
  const AggregateSpec& first = query.segments.front().spec;
  const int64_t step = query.interval_ms;
  const int64_t start = first.from_ms - ((first.from_ms % step) + step) % step;
  JsonWriter w;
  w.BeginObject();
  w.Key("interval_ms");
  w.Int(step);
  w.Key("from");
  w.Int(first.from_ms);
  w.Key("to");
  w.Int(first.to_ms);
  w.Key("series");
  w.BeginArray();
  for (size_t s = 0; s < query.segments.size(); ++s) {
    const TimeseriesQuery::Segment& segment = query.segments[s];
    const std::vector<AggregateRow>& rows = per_segment[s].rows;  // by bucket, ascending
    w.BeginObject();
    w.Key("segment");
    if (segment.label.empty()) {
      w.Null();
    } else {
      w.String(segment.label);
    }
    w.Key("points");
    w.BeginArray();
    size_t next = 0;
    for (int64_t t = start; t < first.to_ms; t += step) {
      const AggregateRow* row =
          next < rows.size() && rows[next].bucket_start == t ? &rows[next++] : nullptr;
      w.BeginObject();
      w.Key("t");
      w.Int(t);
      for (size_t i = 0; i < segment.spec.stats.size(); ++i) {
        const Stat& stat = segment.spec.stats[i];
        w.Key(stat.name);
        if (row != nullptr) {
          w.Double(row->values[i]);
        } else if (stat.kind == StatKind::kCount || stat.kind == StatKind::kSamples ||
                   stat.kind == StatKind::kSum) {
          w.Int(0);
        } else {
          w.Null();
        }
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  WriteQuerySource(w, first.exact, per_segment);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
