#include "query/metrics_query.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/json_writer.h"
#include "common/time_parse.h"
#include "common/vitals.h"
#include "query/dimensions.h"

namespace sightline {
namespace {

constexpr size_t kMaxGroupBy = 3;
constexpr int64_t kDefaultRangeMs = 24 * 3600 * 1000;

std::optional<QueryError> ParseStat(std::string_view text, std::string_view metric, Stat* stat) {
  stat->name = std::string(text);
  if (const VitalThresholds* t = FindVitalThresholds(metric);
      t != nullptr && (text == "good" || text == "ni" || text == "poor")) {
    stat->kind = StatKind::kShare;
    if (text == "good") stat->at_most = t->good;
    if (text == "ni") stat->above = t->good, stat->at_most = t->poor;
    if (text == "poor") stat->above = t->poor;
    return std::nullopt;
  }
  static constexpr std::pair<std::string_view, StatKind> kSimple[] = {
      {"count", StatKind::kCount}, {"samples", StatKind::kSamples}, {"sum", StatKind::kSum},
      {"avg", StatKind::kAvg},     {"min", StatKind::kMin},         {"max", StatKind::kMax}};
  for (const auto& [name, kind] : kSimple) {
    if (text == name) {
      stat->kind = kind;
      return std::nullopt;
    }
  }
  // pNN: digits with at most one decimal point ("p75", "p99.9"), nothing else.
  if (text.size() >= 2 && text[0] == 'p' &&
      text.find_first_not_of("0123456789.", 1) == std::string_view::npos) {
    double percent;
    std::string_view number = text.substr(1);
    auto res = std::from_chars(number.data(), number.data() + number.size(), percent);
    if (res.ec == std::errc() && res.ptr == number.data() + number.size() && percent > 0 &&
        percent < 100) {
      stat->kind = StatKind::kQuantile;
      stat->quantile = percent / 100;
      return std::nullopt;
    }
  }
  return QueryError{"stats", "unknown statistic \"" + std::string(text) +
                                 "\" (pNN with 0 < NN < 100, count, samples, sum, avg, min, max, "
                                 "good, ni, poor)"};
}

}  // namespace

const std::string* FindParam(const QueryParams& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::optional<QueryError> ParseQueryTime(std::string_view field, const std::string& text,
                                         int64_t* ms) {
  std::optional<int64_t> parsed = ParseTimestamp(text);
  if (!parsed || *parsed < kMinQueryTimeMs || *parsed > kMaxQueryTimeMs) {
    return QueryError{std::string(field),
                      "must be an ISO-8601 time or epoch milliseconds within the range "
                      "1970-01-01 to 9999-12-31, got \"" +
                          text + "\""};
  }
  *ms = *parsed;
  return std::nullopt;
}

std::optional<QueryError> ParseTimeRange(const QueryParams& params, int64_t now_ms,
                                         int64_t* from_ms, int64_t* to_ms) {
  *to_ms = now_ms;
  if (const std::string* to = FindParam(params, "to")) {
    if (auto err = ParseQueryTime("to", *to, to_ms)) return err;
  }
  *from_ms = *to_ms - kDefaultRangeMs;
  if (const std::string* from = FindParam(params, "from")) {
    if (auto err = ParseQueryTime("from", *from, from_ms)) return err;
  }
  if (*from_ms >= *to_ms) return QueryError{"from", "must be before to"};
  return std::nullopt;
}

std::optional<QueryError> ParseFilters(const QueryParams& params,
                                       std::vector<DimensionFilter>* filters) {
  filters->clear();
  for (const auto& [key, value] : params) {
    if (key != "filter") continue;
    for (std::string_view clause : SplitComma(value)) {
      size_t colon = clause.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        return QueryError{"filter",
                          "expected dimension:value, got \"" + std::string(clause) + "\""};
      }
      DimensionRef dim;
      std::string_view dim_name = clause.substr(0, colon);
      // dimension!:value excludes; value* matches by prefix.
      const bool negated = dim_name.size() > 1 && dim_name.back() == '!';
      if (negated) dim_name.remove_suffix(1);
      if (!LookupDimension(dim_name, &dim)) {
        return QueryError{"filter", "unknown dimension \"" + std::string(dim_name) +
                                        "\" (known: " + DimensionNames() + ")"};
      }
      std::string_view value = clause.substr(colon + 1);
      const bool prefix = !value.empty() && value.back() == '*';
      if (prefix) value.remove_suffix(1);
      auto same = std::find_if(filters->begin(), filters->end(),
                               [&](const DimensionFilter& f) { return f.dim.name == dim.name; });
      if (same == filters->end()) {
        filters->push_back({std::move(dim), {}, {}, {}, {}});
        same = filters->end() - 1;
      }
      std::vector<std::string>& list = negated ? (prefix ? same->excluded_prefixes : same->excluded)
                                               : (prefix ? same->prefixes : same->values);
      list.emplace_back(value);
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> SplitComma(std::string_view text) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    if (!part.empty()) parts.push_back(part);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return parts;
}

std::optional<QueryError> ParseGroupBy(const QueryParams& params,
                                       std::vector<DimensionRef>* group_by) {
  group_by->clear();
  const std::string* text = FindParam(params, "group_by");
  if (text == nullptr) return std::nullopt;
  for (std::string_view dim_name : SplitComma(*text)) {
    DimensionRef dim;
    if (!LookupDimension(dim_name, &dim)) {
      return QueryError{"group_by", "unknown dimension \"" + std::string(dim_name) +
                                        "\" (known: " + DimensionNames() + ")"};
    }
    for (const DimensionRef& seen : *group_by) {
      if (seen.name == dim.name) {
        return QueryError{"group_by", "\"" + dim.name + "\" is listed twice"};
      }
    }
    group_by->push_back(std::move(dim));
  }
  if (group_by->size() > kMaxGroupBy) return QueryError{"group_by", "at most three dimensions"};
  return std::nullopt;
}

std::optional<QueryError> ParseLimit(const QueryParams& params, size_t* limit) {
  *limit = 0;
  const std::string* text = FindParam(params, "limit");
  if (text == nullptr) return std::nullopt;
  size_t n = 0;
  auto res = std::from_chars(text->data(), text->data() + text->size(), n);
  if (res.ec != std::errc() || res.ptr != text->data() + text->size() || n == 0 || n > 10000) {
    return QueryError{"limit", "must be an integer in [1, 10000], got \"" + *text + "\""};
  }
  *limit = n;
  return std::nullopt;
}

std::optional<QueryError> ParseMetricsQuery(const QueryParams& params, int64_t now_ms,
                                            AggregateSpec* spec) {
  const std::string* name = FindParam(params, "name");
  if (name == nullptr || name->empty())
    return QueryError{"name", "is required (LCP, INP, CLS, FCP, TTFB or FID)"};
  static constexpr std::string_view kVitals[] = {"LCP", "INP", "CLS", "FCP", "TTFB", "FID"};
  bool known = false;
  for (std::string_view v : kVitals) known = known || *name == v;
  if (!known)
    return QueryError{"name", "unknown metric \"" + *name + "\" (LCP, INP, CLS, FCP, TTFB or FID)"};
  spec->event_type = "vital";
  spec->metric_name = *name;
  spec->value_column = ColumnId::value;

  const std::string* stats = FindParam(params, "stats");
  spec->stats.clear();
  for (std::string_view text : SplitComma(stats ? std::string_view(*stats) : "p75,count")) {
    Stat stat;
    if (auto err = ParseStat(text, *name, &stat)) return err;
    for (const Stat& seen : spec->stats) {
      if (seen.name == stat.name)
        return QueryError{"stats", "\"" + stat.name + "\" is listed twice"};
    }
    spec->stats.push_back(std::move(stat));
  }
  if (spec->stats.empty()) return QueryError{"stats", "names no statistic"};

  if (auto err = ParseTimeRange(params, now_ms, &spec->from_ms, &spec->to_ms)) return err;

  if (auto err = ParseGroupBy(params, &spec->group_by)) return err;
  if (auto err = ParseFilters(params, &spec->filters)) return err;
  if (auto err = ParseLimit(params, &spec->limit)) return err;
  spec->exact = false;
  if (const std::string* exact = FindParam(params, "exact")) {
    if (*exact != "true" && *exact != "false") {
      return QueryError{"exact", "must be true or false, got \"" + *exact + "\""};
    }
    spec->exact = *exact == "true";
  }
  return std::nullopt;
}

void WriteGroup(JsonWriter& w, const std::vector<DimensionRef>& dims,
                const std::vector<std::string>& values, bool other) {
  if (other) {
    w.Key("other");
    w.Bool(true);
  }
  w.Key("group");
  w.BeginObject();
  for (size_t i = 0; i < dims.size(); ++i) {
    w.Key(dims[i].name);
    w.StringOrNull(other ? std::string_view() : std::string_view(values[i]));
  }
  w.EndObject();
}

void WriteScanRangeAndSource(JsonWriter& w, int64_t from_ms, int64_t to_ms,
                             uint64_t scanned_events) {
  w.Key("from");
  w.Int(from_ms);
  w.Key("to");
  w.Int(to_ms);
  w.Key("source");
  w.BeginObject();
  w.Key("scanned_events");
  w.Int(static_cast<int64_t>(scanned_events));
  w.EndObject();
}

void WriteQuerySource(JsonWriter& w, bool exact, const AggregateResult& result) {
  w.Key("exact");
  w.Bool(exact);
  w.Key("source");
  w.BeginObject();
  w.Key("sketch_cells");
  w.Int(static_cast<int64_t>(result.sketch_cells));
  w.Key("scanned_events");
  w.Int(static_cast<int64_t>(result.scanned_events));
  w.EndObject();
}

void WriteQuerySource(JsonWriter& w, bool exact, const std::vector<AggregateResult>& results) {
  AggregateResult total;
  for (const AggregateResult& r : results) {
    total.sketch_cells += r.sketch_cells;
    total.scanned_events += r.scanned_events;
  }
  WriteQuerySource(w, exact, total);
}

std::string FormatMetricsResult(const AggregateSpec& spec, const AggregateResult& result) {
  JsonWriter w;
  w.BeginObject();
  w.Key("rows");
  w.BeginArray();
  for (const AggregateRow& row : result.rows) {
    w.BeginObject();
    WriteGroup(w, spec.group_by, row.group, row.other);
    for (size_t stat_idx = 0; stat_idx < spec.stats.size(); ++stat_idx) {
      w.Key(spec.stats[stat_idx].name);
      w.Double(row.values[stat_idx]);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("from");
  w.Int(spec.from_ms);
  w.Key("to");
  w.Int(spec.to_ms);
  WriteQuerySource(w, spec.exact, result);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
