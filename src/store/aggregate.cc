#include "store/aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "common/vitals.h"
#include "store/rollup.h"
#include "store/store.h"

namespace sightline {
namespace {

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

int64_t FloorTo(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

// A sketched quantile to 4 significant digits: the sketch's 0.5% error makes more digits noise
// (rounding adds at most 0.05%).
double RoundSignificant(double v) {
  if (!(v > 0) || !std::isfinite(v)) return v;
  const double scale = std::pow(10.0, 3 - std::floor(std::log10(v)));
  return std::round(v * scale) / scale;
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

namespace {

// The order of doubles as unsigned integers: -inf < negatives < -0 < +0 < positives < +inf.
uint64_t OrderKey(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits >> 63 ? ~bits : bits | (uint64_t{1} << 63);
}

}  // namespace

std::vector<double> ExactQuantiles(const std::vector<double>& values,
                                   const std::vector<double>& weights, double total_weight,
                                   const std::vector<double>& qs) {
  std::vector<double> out(qs.size(), std::numeric_limits<double>::quiet_NaN());
  if (values.empty()) return out;
  const bool unit = weights.empty();
  if (values.size() < 65536 && unit) {  // below the cost of the histogram: the ranks asked
    std::vector<double> copy = values;
    std::vector<size_t> order(qs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return qs[a] < qs[b]; });
    const double n = static_cast<double>(copy.size());
    auto lo = copy.begin();
    for (size_t i : order) {  // each rank over the part above the one before
      const double k = std::ceil(qs[i] * n * (1 - 1e-12));
      const size_t rank = std::clamp<size_t>(k < 1 ? 1 : static_cast<size_t>(k), 1, copy.size());
      auto nth = copy.begin() + static_cast<ptrdiff_t>(rank - 1);
      std::nth_element(lo, nth, copy.end());
      lo = nth;
      out[i] = *nth;
    }
    return out;
  }
  if (values.size() < 65536) {  // below the cost of the histogram: order them all
    std::vector<std::pair<double, double>> sorted(values.size());
    for (size_t i = 0; i < values.size(); ++i) sorted[i] = {values[i], weights[i]};
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < qs.size(); ++i) out[i] = WeightedQuantile(sorted, total_weight, qs[i]);
    return out;
  }
  // Buckets by the key's leading 16 bits: sign, exponent and 4 bits of mantissa, so a power of
  // two spans 16 buckets. Per bucket the weight (or count) of its values.
  constexpr int kShift = 48;
  std::vector<double> bucket_weight(size_t{1} << (64 - kShift), 0.0);
  for (size_t i = 0; i < values.size(); ++i) {
    bucket_weight[OrderKey(values[i]) >> kShift] += unit ? 1.0 : weights[i];
  }
  // Each quantile's target: WeightedQuantile's, the first value whose running weight reaches
  // q·Σw; with unit weights, the k-th smallest, k the first count reaching q·n.
  const double total = unit ? static_cast<double>(values.size()) : total_weight;
  struct Ask {
    size_t q_index;
    double target;
    size_t bucket = 0;
    double before = 0;  // weight of the buckets below
  };
  std::vector<Ask> asks;
  for (size_t i = 0; i < qs.size(); ++i) asks.push_back({i, qs[i] * total * (1 - 1e-12)});
  std::sort(asks.begin(), asks.end(),
            [](const Ask& a, const Ask& b) { return a.target < b.target; });
  {
    size_t bucket = 0;
    double cumulative = 0;
    size_t last_nonempty = 0;
    for (size_t b = 0; b < bucket_weight.size(); ++b) {
      if (bucket_weight[b] > 0) last_nonempty = b;
    }
    for (Ask& ask : asks) {
      while (bucket < last_nonempty &&
             (bucket_weight[bucket] == 0 || cumulative + bucket_weight[bucket] < ask.target)) {
        cumulative += bucket_weight[bucket++];
      }
      ask.bucket = bucket;
      ask.before = cumulative;
    }
  }
  // The values of the buckets asked for, then each ask answered within its bucket.
  std::vector<size_t> slot_of(bucket_weight.size(), SIZE_MAX);
  std::vector<std::vector<std::pair<double, double>>> chosen;
  for (const Ask& ask : asks) {
    if (slot_of[ask.bucket] == SIZE_MAX) {
      slot_of[ask.bucket] = chosen.size();
      chosen.emplace_back();
    }
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const size_t slot = slot_of[OrderKey(values[i]) >> kShift];
    if (slot != SIZE_MAX) chosen[slot].emplace_back(values[i], unit ? 1.0 : weights[i]);
  }
  if (!unit) {
    for (auto& bucket : chosen) std::sort(bucket.begin(), bucket.end());
  }
  for (const Ask& ask : asks) {
    std::vector<std::pair<double, double>>& bucket = chosen[slot_of[ask.bucket]];
    if (unit) {  // the j-th smallest of the bucket, j the first count reaching the target
      const double j = std::ceil(ask.target - ask.before);
      const size_t rank = std::clamp<size_t>(j < 1 ? 1 : static_cast<size_t>(j), 1, bucket.size());
      auto nth = bucket.begin() + static_cast<ptrdiff_t>(rank - 1);
      std::nth_element(bucket.begin(), nth, bucket.end());
      out[ask.q_index] = nth->first;
      continue;
    }
    double cumulative = ask.before;
    double answer = bucket.back().first;
    for (const auto& [v, w] : bucket) {
      cumulative += w;
      if (cumulative >= ask.target) {
        answer = v;
        break;
      }
    }
    out[ask.q_index] = answer;
  }
  return out;
}

bool MatchesFilter(const DimensionFilter& filter, std::string_view value) {
  return Matches(filter, value);
}

bool SketchServable(const AggregateSpec& spec) {
  if (spec.exact || spec.event_type != "vital" || spec.metric_name.empty() ||
      spec.value_column != ColumnId::value || spec.null_values_count || !spec.int_filters.empty() ||
      spec.group_by.size() > 2) {
    return false;
  }
  for (const DimensionFilter& f : spec.filters) {
    if (f.dim.multi_valued) return false;
  }
  for (const DimensionRef& d : spec.group_by) {
    if (d.multi_valued) return false;
  }
  if (SpecDimensions(spec).size() > 2) return false;
  const VitalThresholds* t = FindVitalThresholds(spec.metric_name);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (const Stat& stat : spec.stats) {
    if (stat.kind != StatKind::kShare && stat.kind != StatKind::kCountIn) continue;
    if (t == nullptr) return false;
    const bool band = (stat.above == -kInf && stat.at_most == t->good) ||
                      (stat.above == t->good && stat.at_most == t->poor) ||
                      (stat.above == t->poor && stat.at_most == kInf);
    if (!band) return false;
  }
  return true;
}

std::vector<ColumnId> SpecDimensions(const AggregateSpec& spec) {
  std::vector<ColumnId> dims;
  for (const DimensionFilter& f : spec.filters) dims.push_back(f.dim.column);
  for (const DimensionRef& d : spec.group_by) dims.push_back(d.column);
  std::sort(dims.begin(), dims.end());
  dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
  return dims;
}

Aggregation::Aggregation(const AggregateSpec& spec, bool sketched)
    : spec_(spec), sketched_(sketched), key_{0, std::vector<std::string>(spec.group_by.size())} {
  const VitalThresholds* t = FindVitalThresholds(spec.metric_name);
  band_edges_[0] = t == nullptr ? std::numeric_limits<double>::infinity() : t->good;
  band_edges_[1] = t == nullptr ? std::numeric_limits<double>::infinity() : t->poor;
}

ColumnSet Aggregation::Columns() const {
  ColumnSet columns;
  columns.set(static_cast<size_t>(ColumnId::ts));
  columns.set(static_cast<size_t>(ColumnId::type));
  columns.set(static_cast<size_t>(ColumnId::name));
  columns.set(static_cast<size_t>(ColumnId::sample_rate));
  columns.set(static_cast<size_t>(spec_.value_column));
  for (const DimensionFilter& f : spec_.filters) columns.set(static_cast<size_t>(f.dim.column));
  for (const IntFilter& f : spec_.int_filters) columns.set(static_cast<size_t>(f.column));
  for (const DimensionRef& d : spec_.group_by) columns.set(static_cast<size_t>(d.column));
  return columns;
}

void Aggregation::Accumulate(Accumulator& acc, double v, double w) {
  if (sketched_) {
    acc.sketch.Add(v, w);
    acc.bands[v <= band_edges_[0] ? 0 : v <= band_edges_[1] ? 1 : 2] += w;
  } else {
    if (w != 1.0 && acc.unit_weights) {
      acc.weights.assign(acc.values.size(), 1.0);
      acc.unit_weights = false;
      exact_doubles_ += acc.values.size();
    }
    acc.values.push_back(v);
    if (!acc.unit_weights) acc.weights.push_back(w);
    exact_doubles_ += acc.unit_weights ? 1 : 2;
  }
  acc.weight += w;
  acc.weighted_sum += w * v;
  ++acc.samples;
  acc.min = std::min(acc.min, v);
  acc.max = std::max(acc.max, v);
}

// Adds the row to every group it belongs to (several for a multi-valued group_by dimension).
void Aggregation::AddToGroups(const ColumnBatch& batch, size_t row, double v, double w,
                              size_t dim_idx) {
  if (dim_idx == spec_.group_by.size()) {
    Accumulate(groups_[key_], v, w);
    return;
  }
  const DimensionRef& dim = spec_.group_by[dim_idx];
  std::string_view value = batch.col(dim.column).str(row);
  if (!dim.multi_valued || value.empty()) {
    key_.second[dim_idx].assign(value);
    AddToGroups(batch, row, v, w, dim_idx + 1);
    return;
  }
  ForEachListElement(value, [&](std::string_view element) {
    key_.second[dim_idx].assign(element);
    AddToGroups(batch, row, v, w, dim_idx + 1);
  });
}

void Aggregation::AddRows(const ColumnBatch& batch,
                          const std::vector<std::pair<int64_t, int64_t>>& ranges) {
  const Column& ts = batch.col(ColumnId::ts);
  const Column& type = batch.col(ColumnId::type);
  const Column& name = batch.col(ColumnId::name);
  const Column& rate = batch.col(ColumnId::sample_rate);
  const Column& value = batch.col(spec_.value_column);
  const int64_t type_id = DictId(type, spec_.event_type);
  if (type_id < 0) return;
  const int64_t name_id = spec_.metric_name.empty() ? -1 : DictId(name, spec_.metric_name);
  if (!spec_.metric_name.empty() && name_id < 0) return;
  // Strings compared once per batch: the filters' (BatchFilter) and the group of each tuple of
  // dictionary ids (when no group_by dimension is multi-valued).
  BatchFilter filter(spec_.filters);
  filter.Reset(batch);
  const bool cache_groups = spec_.group_by.size() <= 3 &&
                            std::none_of(spec_.group_by.begin(), spec_.group_by.end(),
                                         [](const DimensionRef& d) { return d.multi_valued; });
  struct TupleKey {
    int64_t bucket;
    uint32_t ids[3];
    bool operator==(const TupleKey& o) const {
      return bucket == o.bucket && ids[0] == o.ids[0] && ids[1] == o.ids[1] && ids[2] == o.ids[2];
    }
  };
  struct TupleHash {
    size_t operator()(const TupleKey& k) const {
      uint64_t h = static_cast<uint64_t>(k.bucket) * 0x9E3779B97F4A7C15ull;
      for (uint32_t id : k.ids) h = (h ^ id) * 0x100000001B3ull;
      return h ^ (h >> 32);
    }
  };
  std::unordered_map<TupleKey, Accumulator*, TupleHash> group_of;
  // Rows come sorted by time within a row group, so neighbours mostly share a tuple.
  TupleKey last_tuple{};
  Accumulator* last_acc = nullptr;
  // One dimension and no buckets: the group of each dictionary id.
  std::vector<Accumulator*> group_of_id;
  if (cache_groups && spec_.group_by.size() == 1 && spec_.bucket_ms == 0) {
    group_of_id.assign(batch.col(spec_.group_by[0].column).dict.size(), nullptr);
  }
  for (size_t row = 0; row < batch.rows; ++row) {
    const int64_t t = ts.ints[row];
    bool in_range = false;
    for (const auto& [from, to] : ranges) in_range = in_range || (t >= from && t < to);
    if (!in_range) continue;
    if (type.ids[row] != type_id) continue;
    if (name_id >= 0 && name.ids[row] != name_id) continue;
    double v = value.doubles[row];
    if (IsNull(v)) {
      if (!spec_.null_values_count) continue;
      v = 0;
    }
    bool keep = true;
    for (const IntFilter& f : spec_.int_filters) {
      if ((batch.col(f.column).ints[row] == f.value) != f.equal) {
        keep = false;
        break;
      }
    }
    if (!keep || !filter.Keeps(batch, row)) continue;
    double r = rate.doubles[row];
    double w = SampleWeight(r);
    if (spec_.bucket_ms > 0) key_.first = FloorTo(t, spec_.bucket_ms);
    ++scanned_events_;
    if (!cache_groups) {
      AddToGroups(batch, row, v, w, 0);
      continue;
    }
    if (!group_of_id.empty()) {
      const Column& col = batch.col(spec_.group_by[0].column);
      Accumulator*& acc = group_of_id[col.ids[row]];
      if (acc == nullptr) {
        key_.second[0].assign(col.str(row));
        acc = &groups_[key_];
      }
      Accumulate(*acc, v, w);
      continue;
    }
    TupleKey tuple{key_.first, {0, 0, 0}};
    for (size_t d = 0; d < spec_.group_by.size(); ++d) {
      tuple.ids[d] = batch.col(spec_.group_by[d].column).ids[row];
    }
    if (last_acc == nullptr || !(tuple == last_tuple)) {
      Accumulator*& acc = group_of[tuple];
      if (acc == nullptr) {
        for (size_t d = 0; d < spec_.group_by.size(); ++d) {
          key_.second[d].assign(batch.col(spec_.group_by[d].column).str(row));
        }
        acc = &groups_[key_];  // std::map: the address stays valid
      }
      last_tuple = tuple;
      last_acc = acc;
    }
    Accumulate(*last_acc, v, w);
  }
}

void Aggregation::AddCell(const std::vector<ColumnId>& dims, const RollupCell& cell,
                          int64_t bucket_start) {
  auto value_of = [&](ColumnId column) -> std::string_view {
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] == column) return cell.values[i];
    }
    return {};
  };
  for (const DimensionFilter& f : spec_.filters) {
    if (!Matches(f, value_of(f.dim.column))) return;
  }
  key_.first = bucket_start;
  for (size_t i = 0; i < spec_.group_by.size(); ++i) {
    key_.second[i].assign(value_of(spec_.group_by[i].column));
  }
  Accumulator& acc = groups_[key_];
  (void)acc.sketch.Merge(cell.sketch);
  for (int b = 0; b < 3; ++b) acc.bands[b] += cell.bands[b];
  acc.weight += cell.sketch.count();
  acc.weighted_sum += cell.sketch.sum();
  acc.samples += cell.sketch.samples();
  acc.min = std::min(acc.min, cell.sketch.min());
  acc.max = std::max(acc.max, cell.sketch.max());
  ++sketch_cells_;
}

void Aggregation::MergeInto(Accumulator&& from, Accumulator* to) {
  if (to->values.empty() && to->unit_weights) {
    to->values = std::move(from.values);
    to->weights = std::move(from.weights);
    to->unit_weights = from.unit_weights;
  } else {
    if (!from.unit_weights && to->unit_weights) {
      to->weights.assign(to->values.size(), 1.0);
      to->unit_weights = false;
    }
    to->values.insert(to->values.end(), from.values.begin(), from.values.end());
    if (from.unit_weights) {
      to->weights.resize(to->unit_weights ? 0 : to->values.size(), 1.0);
    } else {
      to->weights.insert(to->weights.end(), from.weights.begin(), from.weights.end());
    }
  }
  (void)to->sketch.Merge(from.sketch);
  for (int b = 0; b < 3; ++b) to->bands[b] += from.bands[b];
  to->weight += from.weight;
  to->weighted_sum += from.weighted_sum;
  to->samples += from.samples;
  to->min = std::min(to->min, from.min);
  to->max = std::max(to->max, from.max);
}

void Aggregation::Merge(Aggregation&& other) {
  for (auto& [key, acc] : other.groups_) MergeInto(std::move(acc), &groups_[key]);
  other.groups_.clear();
  sketch_cells_ += other.sketch_cells_;
  scanned_events_ += other.scanned_events_;
}

AggregateResult Aggregation::Finish() {
  // Groups by bucket, then weight, descending, ties by key; beyond `limit`, one "other" group.
  std::vector<std::pair<const GroupKey*, Accumulator*>> order;
  for (auto& [group_key, acc] : groups_) order.emplace_back(&group_key, &acc);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.first->first != b.first->first) return a.first->first < b.first->first;
    return a.second->weight > b.second->weight;
  });
  Accumulator rest;
  const bool has_rest = spec_.bucket_ms == 0 && spec_.limit > 0 && order.size() > spec_.limit;
  if (has_rest) {
    for (size_t i = spec_.limit; i < order.size(); ++i) {
      MergeInto(std::move(*order[i].second), &rest);
    }
    order.resize(spec_.limit);
  }
  const GroupKey other_key{0, std::vector<std::string>(spec_.group_by.size())};
  if (has_rest) order.emplace_back(&other_key, &rest);

  AggregateResult result;
  result.sketch_cells = sketch_cells_;
  result.scanned_events = scanned_events_;
  for (auto& [group_key, acc_ptr] : order) {
    Accumulator& acc = *acc_ptr;
    std::vector<double> qs;
    for (const Stat& stat : spec_.stats) {
      if (stat.kind == StatKind::kQuantile) qs.push_back(stat.quantile);
    }
    const std::vector<double> quantiles =
        sketched_ || qs.empty() ? std::vector<double>()
                                : ExactQuantiles(acc.values, acc.weights, acc.weight, qs);
    size_t next_quantile = 0;
    AggregateRow row;
    row.group = group_key->second;
    row.bucket_start = group_key->first;
    row.other = acc_ptr == &rest;
    for (const Stat& stat : spec_.stats) {
      double out = 0;
      switch (stat.kind) {
        case StatKind::kQuantile:
          out = sketched_ ? RoundSignificant(acc.sketch.Quantile(stat.quantile))
                          : quantiles[next_quantile++];
          break;
        case StatKind::kCount:
          out = acc.weight;
          break;
        case StatKind::kSamples:
          out = static_cast<double>(acc.samples);
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
          if (sketched_) {
            // SketchServable admits only Google's bands of the vital.
            const int band = stat.above == -std::numeric_limits<double>::infinity()    ? 0
                             : stat.at_most == std::numeric_limits<double>::infinity() ? 2
                                                                                       : 1;
            in_band = acc.bands[band];
          } else {
            for (size_t i = 0; i < acc.values.size(); ++i) {
              const double v = acc.values[i];
              const double w = acc.unit_weights ? 1.0 : acc.weights[i];
              in_band += v > stat.above && v <= stat.at_most ? w : 0;
            }
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

Status Aggregation::CheckControl() {
  if (spec_.control == nullptr) return Status::Ok();
  SL_RETURN_IF_ERROR(spec_.control->Check());
  // A vector's capacity runs up to twice its size; a group costs its key and map node, and a
  // sketched one its sketch (a few hundred bins at most).
  const uint64_t group_bytes = sketched_ ? 4096 : 256;
  SL_RETURN_IF_ERROR(spec_.control->Account(
      &held_bytes_, exact_doubles_ * sizeof(double) * 3 / 2 + groups_.size() * group_bytes));
  const size_t max_groups = spec_.control->max_groups();
  if (max_groups > 0 && groups_.size() > max_groups) {
    return Status::ResourceExhausted(
        "more than " + std::to_string(max_groups) +
        " groups (limits.max_query_groups): filter the query, group by fewer or coarser "
        "dimensions, or use a longer interval");
  }
  return Status::Ok();
}

Result<AggregateResult> AggregateByScan(Store& store, const AggregateSpec& spec) {
  // One Aggregation per scanning thread, merged at the end.
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::vector<Aggregation> parts;
  parts.reserve(workers);
  for (size_t i = 0; i < workers; ++i) parts.emplace_back(spec, /*sketched=*/false);
  ScanSpec scan;
  scan.project = spec.project;
  scan.from_ms = spec.from_ms;
  scan.to_ms = spec.to_ms;
  scan.columns = parts[0].Columns();
  scan.types = {spec.event_type};
  if (!spec.metric_name.empty()) scan.names = {spec.metric_name};
  scan.control = spec.control;
  Status status =
      store.ScanParallel(scan, workers, [&](size_t worker, const ColumnBatch& batch) -> Status {
        parts[worker].AddRows(batch);
        return parts[worker].CheckControl();
      });
  if (!status.ok()) return status;
  for (size_t i = 1; i < parts.size(); ++i) parts[0].Merge(std::move(parts[i]));
  return parts[0].Finish();
}

}  // namespace sightline
