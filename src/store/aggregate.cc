#include "store/aggregate.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string_view>

#include "store/store.h"

namespace sightline {
namespace {

struct GroupAccumulator {
  std::vector<std::pair<double, double>> values;  // (value, weight), kept for exact quantiles
  double weight = 0;
  double weighted_sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  void Add(double v, double w) {
    values.emplace_back(v, w);
    weight += w;
    weighted_sum += w * v;
    min = std::min(min, v);
    max = std::max(max, v);
  }
};

// Calls fn(element) for each element of a kFlagSeparator-joined list.
template <typename Fn>
void ForEachListElement(std::string_view list, Fn fn) {
  while (!list.empty()) {
    size_t sep = list.find(kFlagSeparator);
    fn(list.substr(0, sep));
    if (sep == std::string_view::npos) break;
    list.remove_prefix(sep + 1);
  }
}

bool AnyOf(std::string_view v, const std::vector<std::string>& values,
           const std::vector<std::string>& prefixes) {
  for (const std::string& x : values) {
    if (v == x) return true;
  }
  for (const std::string& p : prefixes) {
    if (v.substr(0, p.size()) == p) return true;
  }
  return false;
}

bool Matches(const DimensionFilter& filter, std::string_view value) {
  const bool any = filter.values.empty() && filter.prefixes.empty();
  auto included = [&](std::string_view v) {
    return any || AnyOf(v, filter.values, filter.prefixes);
  };
  auto excluded = [&](std::string_view v) {
    return AnyOf(v, filter.excluded, filter.excluded_prefixes);
  };
  if (!filter.dim.multi_valued) return included(value) && !excluded(value);
  bool in = any, out = false;
  ForEachListElement(value, [&](std::string_view element) {
    in = in || included(element);
    out = out || excluded(element);
  });
  return in && !out;
}

// The dictionary id of `value` in a string column, or -1 when the batch does not contain it.
int64_t DictId(const Column& col, std::string_view value) {
  for (size_t id = 0; id < col.dict.size(); ++id) {
    if (col.dict[id] == value) return static_cast<int64_t>(id);
  }
  return -1;
}

// A group: its time bucket's start (0 without buckets) and its dimension values.
using GroupKey = std::pair<int64_t, std::vector<std::string>>;

// Adds the row to every group it belongs to (several for a multi-valued group_by dimension).
void AddToGroups(const AggregateSpec& spec, const ColumnBatch& batch, size_t row, double v,
                 double w, GroupKey* key, size_t dim_idx,
                 std::map<GroupKey, GroupAccumulator>* groups) {
  if (dim_idx == spec.group_by.size()) {
    (*groups)[*key].Add(v, w);
    return;
  }
  const DimensionRef& dim = spec.group_by[dim_idx];
  std::string_view value = batch.col(dim.column).str(row);
  if (!dim.multi_valued || value.empty()) {
    key->second[dim_idx].assign(value);
    AddToGroups(spec, batch, row, v, w, key, dim_idx + 1, groups);
    return;
  }
  ForEachListElement(value, [&](std::string_view element) {
    key->second[dim_idx].assign(element);
    AddToGroups(spec, batch, row, v, w, key, dim_idx + 1, groups);
  });
}

}  // namespace

double WeightedQuantile(const std::vector<std::pair<double, double>>& sorted, double total_weight,
                        double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  // The relative slack absorbs rounding in the running sum (weights such as 1/0.3).
  const double target = q * total_weight * (1 - 1e-12);
  double cumulative = 0;
  for (const auto& [value, weight] : sorted) {
    cumulative += weight;
    if (cumulative >= target) return value;
  }
  return sorted.back().first;
}

Result<AggregateResult> AggregateByScan(Store& store, const AggregateSpec& spec) {
  ScanSpec scan;
  scan.project = spec.project;
  scan.from_ms = spec.from_ms;
  scan.to_ms = spec.to_ms;
  scan.columns.set(static_cast<size_t>(ColumnId::ts));
  scan.columns.set(static_cast<size_t>(ColumnId::type));
  scan.columns.set(static_cast<size_t>(ColumnId::name));
  scan.columns.set(static_cast<size_t>(ColumnId::sample_rate));
  scan.columns.set(static_cast<size_t>(spec.value_column));
  for (const DimensionFilter& f : spec.filters) scan.columns.set(static_cast<size_t>(f.dim.column));
  for (const IntFilter& f : spec.int_filters) scan.columns.set(static_cast<size_t>(f.column));
  for (const DimensionRef& d : spec.group_by) scan.columns.set(static_cast<size_t>(d.column));

  std::map<GroupKey, GroupAccumulator> groups;
  GroupKey key{0, std::vector<std::string>(spec.group_by.size())};
  Status status = store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& ts = batch.col(ColumnId::ts);
    const Column& type = batch.col(ColumnId::type);
    const Column& name = batch.col(ColumnId::name);
    const Column& rate = batch.col(ColumnId::sample_rate);
    const Column& value = batch.col(spec.value_column);
    const int64_t type_id = DictId(type, spec.event_type);
    if (type_id < 0) return Status::Ok();
    const int64_t name_id = spec.metric_name.empty() ? -1 : DictId(name, spec.metric_name);
    if (!spec.metric_name.empty() && name_id < 0) return Status::Ok();
    for (size_t row = 0; row < batch.rows; ++row) {
      if (ts.ints[row] < spec.from_ms || ts.ints[row] >= spec.to_ms) continue;
      if (type.ids[row] != type_id) continue;
      if (name_id >= 0 && name.ids[row] != name_id) continue;
      double v = value.doubles[row];
      if (IsNull(v)) {
        if (!spec.null_values_count) continue;
        v = 0;
      }
      bool keep = true;
      for (const IntFilter& f : spec.int_filters) {
        if ((batch.col(f.column).ints[row] == f.value) != f.equal) {
          keep = false;
          break;
        }
      }
      for (const DimensionFilter& f : spec.filters) {
        if (!Matches(f, batch.col(f.dim.column).str(row))) {
          keep = false;
          break;
        }
      }
      if (!keep) continue;
      double r = rate.doubles[row];
      double w = (IsNull(r) || r <= 0) ? 1.0 : 1.0 / r;
      if (spec.bucket_ms > 0) {
        const int64_t t = ts.ints[row];
        key.first = t - ((t % spec.bucket_ms) + spec.bucket_ms) % spec.bucket_ms;
      }
      AddToGroups(spec, batch, row, v, w, &key, 0, &groups);
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;

  // Groups by bucket, then weight, descending, ties by key; beyond `limit`, one "other" group.
  std::vector<std::pair<const GroupKey*, GroupAccumulator*>> order;
  for (auto& [group_key, acc] : groups) order.emplace_back(&group_key, &acc);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.first->first != b.first->first) return a.first->first < b.first->first;
    return a.second->weight > b.second->weight;
  });
  GroupAccumulator rest;
  const bool has_rest = spec.bucket_ms == 0 && spec.limit > 0 && order.size() > spec.limit;
  if (has_rest) {
    for (size_t i = spec.limit; i < order.size(); ++i) {
      for (const auto& [v, w] : order[i].second->values) rest.Add(v, w);
    }
    order.resize(spec.limit);
  }
  const GroupKey other_key{0, std::vector<std::string>(spec.group_by.size())};
  if (has_rest) order.emplace_back(&other_key, &rest);

  AggregateResult result;
  for (auto& [group_key, acc_ptr] : order) {
    GroupAccumulator& acc = *acc_ptr;
    std::sort(acc.values.begin(), acc.values.end());
    AggregateRow row;
    row.group = group_key->second;
    row.bucket_start = group_key->first;
    row.other = acc_ptr == &rest;
    for (const Stat& stat : spec.stats) {
      double out = 0;
      switch (stat.kind) {
        case StatKind::kQuantile:
          out = WeightedQuantile(acc.values, acc.weight, stat.quantile);
          break;
        case StatKind::kCount:
          out = acc.weight;
          break;
        case StatKind::kSamples:
          out = static_cast<double>(acc.values.size());
          break;
        case StatKind::kSum:
          out = acc.weighted_sum;
          break;
        case StatKind::kAvg:
          out = acc.weighted_sum / acc.weight;
          break;
        case StatKind::kMin:
          out = acc.min;
          break;
        case StatKind::kMax:
          out = acc.max;
          break;
        case StatKind::kShare:
        case StatKind::kCountIn: {
          double in_band = 0;
          for (const auto& [v, w] : acc.values) {
            in_band += v > stat.above && v <= stat.at_most ? w : 0;
          }
          out = stat.kind == StatKind::kShare ? in_band / acc.weight : in_band;
          break;
        }
      }
      row.values.push_back(out);
    }
    result.rows.push_back(std::move(row));
  }
  return result;
}

}  // namespace sightline
