// Aggregation over stored events: filter, group, and compute weighted statistics of one numeric
// column. Backends answer an AggregateSpec; AggregateByScan is the exact implementation over a
// Store's Scan that the embedded store uses (a backend with its own engine, such as ClickHouse,
// translates the spec instead and must give the same answers).
//
// Weighting: an event kept with probability sample_rate stands for w = 1/sample_rate events
// (w = 1 when sample_rate is null). count = Σw, samples = number of events, sum = Σw·v,
// avg = Σw·v / Σw, and the q-quantile is the weighted nearest rank: the smallest value v such that
// the weight of values ≤ v is at least q·Σw.
// Cost: exact quantiles keep every matching value in memory; answering reads them twice (a
// histogram, then the values of the buckets holding the asked ranks, which are ordered).
//
// Sketched answers (AggregateSpec::exact false, and SketchServable): quantiles come from DDSketches
// and are within DDSketch::kDefaultRelativeAccuracy (0.5%) of a value whose weighted rank is the
// exact quantile's; count, samples, sum, avg, min, max and Google's band shares stay exact.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "common/event.h"
#include "common/status.h"
#include "store/column_batch.h"
#include "store/ddsketch.h"
#include "store/query_control.h"

namespace sightline {

class Store;

struct DimensionRef {
  std::string name;  // as the API names it ("tier", "flag")
  ColumnId column;
  bool multi_valued = false;  // the column holds a kFlagSeparator-joined list (flags)
};

// Keeps events whose dimension equals one of `values` or starts with one of `prefixes` (when
// both are empty: any event), and neither equals one of `excluded` nor starts with one of
// `excluded_prefixes`. For a multi-valued dimension: some element is included, no element is
// excluded.
struct DimensionFilter {
  DimensionRef dim;
  std::vector<std::string> values;
  std::vector<std::string> prefixes;
  std::vector<std::string> excluded;
  std::vector<std::string> excluded_prefixes;
};

enum class StatKind { kQuantile, kCount, kSamples, kSum, kAvg, kMin, kMax, kShare, kCountIn };

struct Stat {
  std::string name;  // the key in the answer: "p75", "count"
  StatKind kind;
  double quantile = 0;  // for kQuantile, in (0, 1)
  // For kShare: the weighted share of values v with above < v <= at_most (Google's bands: good
  // is (-inf, 2500] for LCP, needs improvement (2500, 4000], poor (4000, inf)); for kCountIn:
  // their weight (a histogram bin).
  double above = -std::numeric_limits<double>::infinity();
  double at_most = std::numeric_limits<double>::infinity();
};

// Keeps events whose int64 column `column` equals `value` (or, with `equal` false, differs from
// it; null differs from every value).
struct IntFilter {
  ColumnId column;
  int64_t value;
  bool equal = true;
};

struct AggregateSpec {
  std::string project;
  int64_t from_ms = 0;      // inclusive
  int64_t to_ms = 0;        // exclusive
  std::string event_type;   // events of this type only, e.g. "vital"
  std::string metric_name;  // events whose `name` column equals this, e.g. "LCP"; empty = all
  ColumnId value_column = ColumnId::value;
  bool null_values_count = false;        // events with a null value count too (their value as 0)
  std::vector<DimensionFilter> filters;  // all must hold
  std::vector<IntFilter> int_filters;    // all must hold
  std::vector<DimensionRef> group_by;
  std::vector<Stat> stats;
  size_t limit = 0;  // > 0: the `limit` groups of most weight, the rest as one "other" row
  // > 0: groups per time bucket [t, t + bucket_ms), t a multiple of bucket_ms since the epoch
  // (AggregateRow::bucket_start); rows by bucket, then weight. `limit` does not apply.
  int64_t bucket_ms = 0;
  // true: every statistic from the stored values; false: a backend may answer from its sketches
  // (within the sketch's relative error for quantiles).
  bool exact = false;
  // Borrowed for the call: the query's deadline, cancellation and group limit (more groups end
  // the aggregation with ResourceExhausted). Null: none.
  const QueryControl* control = nullptr;
};

struct AggregateRow {
  std::vector<std::string> group;  // one value per group_by dimension ("" = none)
  std::vector<double> values;      // one per stat, in spec order
  bool other = false;              // the groups beyond AggregateSpec::limit, together
  int64_t bucket_start = 0;        // with AggregateSpec::bucket_ms: the bucket's start, epoch ms
};

struct AggregateResult {
  std::vector<AggregateRow> rows;  // by weighted count, descending; the "other" row last
  // How the answer was computed: pre-aggregated cells merged, and stored events read one by one.
  uint64_t sketch_cells = 0;
  uint64_t scanned_events = 0;
};

struct RollupCell;

// Whether `value` passes `filter` (for a multi-valued dimension, a kFlagSeparator-joined list).
bool MatchesFilter(const DimensionFilter& filter, std::string_view value);

// Applies filters to the rows of one batch after another, comparing each filter's strings once
// per dictionary id of the batch, not per row.
class BatchFilter {
 public:
  explicit BatchFilter(const std::vector<DimensionFilter>& filters)
      : filters_(filters), verdicts_(filters.size()) {}
  // Forgets the previous batch's verdicts.
  void Reset(const ColumnBatch& batch) {
    for (size_t f = 0; f < filters_.size(); ++f) {
      verdicts_[f].assign(batch.col(filters_[f].dim.column).dict.size(), -1);
    }
  }
  // Whether every filter passes the row (of the batch given to Reset).
  bool Keeps(const ColumnBatch& batch, size_t row) {
    for (size_t f = 0; f < filters_.size(); ++f) {
      const Column& col = batch.col(filters_[f].dim.column);
      int8_t& verdict = verdicts_[f][col.ids[row]];
      if (verdict < 0) verdict = MatchesFilter(filters_[f], col.str(row)) ? 1 : 0;
      if (verdict == 0) return false;
    }
    return true;
  }

 private:
  const std::vector<DimensionFilter>& filters_;
  std::vector<std::vector<int8_t>> verdicts_;  // per filter: per dictionary id, -1 unknown
};

// True when `spec` can be answered from sketches: not exact; vitals of one name from the value
// column; no int filters, no multi-valued dimension, at most two dimensions filtered or grouped on;
// shares only of Google's bands for that vital.
bool SketchServable(const AggregateSpec& spec);
// The dimensions `spec` filters or groups on, each once, in column order.
std::vector<ColumnId> SpecDimensions(const AggregateSpec& spec);

// An AggregateSpec's answer, accumulated from stored rows and (when sketched) rollup cells.
// Sketched, every group keeps a DDSketch instead of its values.
class Aggregation {
 public:
  Aggregation(const AggregateSpec& spec, bool sketched);

  // Adds the rows of `batch` (with the columns the spec reads, plus ts) whose ts lies in one of
  // `ranges` ([from, to) each, within the spec's range) and that the spec keeps.
  void AddRows(const ColumnBatch& batch, const std::vector<std::pair<int64_t, int64_t>>& ranges);
  void AddRows(const ColumnBatch& batch) { AddRows(batch, {{spec_.from_ms, spec_.to_ms}}); }
  // Adds a rollup cell whose dimensions are `dims` (a superset of SpecDimensions, none folded)
  // when its values pass the filters; `bucket_start` is the bucket it falls in (0 without
  // buckets). Sketched only.
  void AddCell(const std::vector<ColumnId>& dims, const RollupCell& cell, int64_t bucket_start);
  // Takes in every group of `other`, an Aggregation of the same spec and kind over other rows.
  void Merge(Aggregation&& other);
  AggregateResult Finish();

  // The columns AddRows reads.
  ColumnSet Columns() const;
  // Ok, or why the aggregation must stop: spec.control's deadline or cancellation, more groups
  // than it allows, or more working memory (its values, sketches and groups, estimated) than the
  // query may hold. Called between batches.
  Status CheckControl();

 private:
  struct Accumulator {
    // Exact only: the values, and their weights once some weight is not 1 (unit_weights false).
    std::vector<double> values, weights;
    bool unit_weights = true;
    DDSketch sketch;              // sketched only
    double bands[3] = {0, 0, 0};  // sketched only: Google's bands
    double weight = 0;
    double weighted_sum = 0;
    uint64_t samples = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
  };
  using GroupKey = std::pair<int64_t, std::vector<std::string>>;
  void AddToGroups(const ColumnBatch& batch, size_t row, double v, double w, size_t dim_idx);
  void Accumulate(Accumulator& acc, double v, double w);
  static void MergeInto(Accumulator&& from, Accumulator* to);

  const AggregateSpec& spec_;
  const bool sketched_;
  double band_edges_[2];  // Google's thresholds of the vital (sketched)
  std::map<GroupKey, Accumulator> groups_;
  GroupKey key_;
  uint64_t sketch_cells_ = 0;
  uint64_t scanned_events_ = 0;
  uint64_t exact_doubles_ = 0;  // values and weights held (exact)
  uint64_t held_bytes_ = 0;     // last reported to spec.control
};

Result<AggregateResult> AggregateByScan(Store& store, const AggregateSpec& spec);

// The weighted nearest-rank quantile of (value, weight) pairs sorted by value (see above).
double WeightedQuantile(const std::vector<std::pair<double, double>>& sorted, double total_weight,
                        double q);

// WeightedQuantile of `values` (not NaN, in any order) for each of `qs`, in the order of `qs`:
// `weights` holds one weight per value, or is empty when every weight is 1; `total_weight` is
// their sum. Needs no sort of the whole: a histogram by each value's leading bits finds the
// buckets holding the asked ranks, and only their values are ordered.
std::vector<double> ExactQuantiles(const std::vector<double>& values,
                                   const std::vector<double>& weights, double total_weight,
                                   const std::vector<double>& qs);

}  // namespace sightline
