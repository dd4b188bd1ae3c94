// GET /api/v1/metrics: from URL parameters to an AggregateSpec, and from the result to JSON.
//
// Parameters (docs/query-api.md): name (LCP, INP, CLS, FCP, TTFB, FID), stats (comma-separated:
// pNN for any 0 < NN < 100, count, samples, sum, avg, min, max; default p75,count), from/to
// (ISO-8601 or epoch ms; [from, to); default the 24 hours before now), group_by (up to three
// dimensions), filter (dim:value[,dim:value...]; the same dimension repeated = any of the values,
// different dimensions = all must hold), limit (top N by weight, the rest as "other"), exact
// (true: every statistic from the stored values; default false: percentiles from sketches, within
// 1%). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/json_writer.h"
#include "store/aggregate.h"

namespace sightline {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct QueryError {
  std::string field;
  std::string reason;
};

// The value of the first parameter named `name`, or nullptr.
const std::string* FindParam(const QueryParams& params, std::string_view name);

// The times a query may name: 1970-01-01 to 9999-12-31 (so that no range or bucket count
// computed from them overflows).
inline constexpr int64_t kMinQueryTimeMs = 0;
inline constexpr int64_t kMaxQueryTimeMs = 253'402'300'799'999;
// One time bound named `field`: ISO-8601 or epoch ms within those times, else an error naming
// `field` and the range.
std::optional<QueryError> ParseQueryTime(std::string_view field, const std::string& text,
                                         int64_t* ms);
// from/to: ISO-8601 or epoch ms, [from, to); default the 24 hours before now.
std::optional<QueryError> ParseTimeRange(const QueryParams& params, int64_t now_ms,
                                         int64_t* from_ms, int64_t* to_ms);

// Every `filter` parameter: dim:value[,dim:value...]; a dimension repeated = any of its values.
std::optional<QueryError> ParseFilters(const QueryParams& params,
                                       std::vector<DimensionFilter>* filters);

// The non-empty items of a comma-separated list.
std::vector<std::string_view> SplitComma(std::string_view text);

// group_by: up to three known dimensions, each once.
std::optional<QueryError> ParseGroupBy(const QueryParams& params,
                                       std::vector<DimensionRef>* group_by);
// limit: an integer in [1, 10000]; 0 when absent.
std::optional<QueryError> ParseLimit(const QueryParams& params, size_t* limit);

// Fills `spec` (all but `project`). Returns the first problem found, naming the parameter.
std::optional<QueryError> ParseMetricsQuery(const QueryParams& params, int64_t now_ms,
                                            AggregateSpec* spec);

// "group": {dimension: value or null, ...} for a row's `values` of `dims` (every value null for
// the "other" row, which comes first as "other": true).
void WriteGroup(JsonWriter& w, const std::vector<DimensionRef>& dims,
                const std::vector<std::string>& values, bool other = false);

// The closing members of an answer computed by a scan: "from", "to" (the range used) and
// "source": {"scanned_events"}.
void WriteScanRangeAndSource(JsonWriter& w, int64_t from_ms, int64_t to_ms,
                             uint64_t scanned_events);

// "exact": the flag asked for, and "source": {"sketch_cells", "scanned_events"}, how the answer
// was computed (AggregateResult).
void WriteQuerySource(JsonWriter& w, bool exact, const AggregateResult& result);
// The same for an answer made of several aggregations: their sums.
void WriteQuerySource(JsonWriter& w, bool exact, const std::vector<AggregateResult>& results);

// {"rows": [{"group": {...}, "<stat>": value, ...}], "from": ..., "to": ..., "exact": ...,
//  "source": {...}}
std::string FormatMetricsResult(const AggregateSpec& spec, const AggregateResult& result);

}  // namespace sightline
