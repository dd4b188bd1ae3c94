#include "query/compare_query.h"

#include <algorithm>
#include <cmath>

#include "common/json_writer.h"
#include "common/time_parse.h"

namespace sightline {
namespace {

constexpr double kSignificance = 0.05;

double TwoSidedNormalP(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

bool IsVital(std::string_view name) {
  for (std::string_view v : {"LCP", "INP", "CLS", "FCP", "TTFB", "FID"}) {
    if (name == v) return true;
  }
  return false;
}

}  // namespace

std::pair<double, double> MannWhitney(std::vector<double> a, std::vector<double> b) {
  const double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
  if (a.empty() || b.empty()) return {1.0, 0.5};
  std::vector<std::pair<double, int>> all;
  all.reserve(a.size() + b.size());
  for (double v : a) all.emplace_back(v, 0);
  for (double v : b) all.emplace_back(v, 1);
  std::sort(all.begin(), all.end());
  const double n = n1 + n2;
  double rank_sum_b = 0, ties = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k) {
      if (all[k].second == 1) rank_sum_b += average_rank;
    }
    ties += t * t * t - t;
    i = j;
  }
  const double u_b = rank_sum_b - n2 * (n2 + 1) / 2;  // pairs with b above a, ties half
  const double mean = n1 * n2 / 2;
  const double variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
  double p = 1;
  if (variance > 0) {
    const double z = (std::abs(u_b - mean) - 0.5) / std::sqrt(variance);  // continuity
    p = z <= 0 ? 1.0 : TwoSidedNormalP(z);
  }
  return {p, u_b / (n1 * n2)};
}

double TwoProportionPValue(double x1, double n1, double x2, double n2) {
  if (n1 <= 0 || n2 <= 0) return 1;
  const double pooled = (x1 + x2) / (n1 + n2);
  const double se = std::sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return 1;
  return TwoSidedNormalP((x1 / n1 - x2 / n2) / se);
}

std::optional<QueryError> ParseCompareQuery(const QueryParams& params, int64_t now_ms,
                                            CompareQuery* query) {
  int64_t from_ms = 0, to_ms = 0;
  if (auto err = ParseTimeRange(params, now_ms, &from_ms, &to_ms)) return err;
  std::vector<DimensionFilter> common;
  if (auto err = ParseFilters(params, &common)) return err;
  for (auto [side, key] : {std::pair{&query->a, "a"}, std::pair{&query->b, "b"}}) {
    side->from_ms = from_ms;
    side->to_ms = to_ms;
    side->filters = common;
    const std::string k(key);
    for (auto [bound, into] :
         {std::pair{k + "_from", &side->from_ms}, std::pair{k + "_to", &side->to_ms}}) {
      if (const std::string* text = FindParam(params, bound)) {
        if (auto err = ParseQueryTime(bound, *text, into)) return err;
      }
    }
    if (side->from_ms >= side->to_ms) return QueryError{k + "_from", "must be before " + k + "_to"};
    const std::string* clauses = FindParam(params, k);
    const bool own_range = FindParam(params, k + "_from") || FindParam(params, k + "_to");
    if ((clauses == nullptr || clauses->empty()) && !own_range) {
      return QueryError{k, "is required: filter clauses (release:2.4.1) or " + k + "_from/" + k +
                               "_to defining the side"};
    }
    side->label = clauses ? *clauses : "";
    if (clauses != nullptr && !clauses->empty()) {
      std::vector<DimensionFilter> own;
      if (auto err = ParseFilters({{"filter", *clauses}}, &own)) return QueryError{k, err->reason};
      for (DimensionFilter& f : own) side->filters.push_back(std::move(f));
    }
  }
  query->vitals.clear();
  const std::string* names = FindParam(params, "names");
  for (std::string_view name : SplitComma(names ? std::string_view(*names) : "LCP,INP,CLS")) {
    if (!IsVital(name)) {
      return QueryError{
          "names", "unknown vital \"" + std::string(name) + "\" (LCP, INP, CLS, FCP, TTFB or FID)"};
    }
    query->vitals.emplace_back(name);
  }
  if (query->vitals.empty()) return QueryError{"names", "names no vital"};
  const std::string* event = FindParam(params, "event");
  query->event = event ? *event : "";
  return std::nullopt;
}

Result<CompareResult> RunCompare(Store& store, const CompareQuery& query) {
  const CompareSide* sides[2] = {&query.a, &query.b};
  // Values per vital per side, from one scan over both ranges.
  std::vector<std::array<std::vector<std::pair<double, double>>, 2>> values(query.vitals.size());
  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = std::min(query.a.from_ms, query.b.from_ms);
  scan.to_ms = std::max(query.a.to_ms, query.b.to_ms);
  for (ColumnId c :
       {ColumnId::ts, ColumnId::type, ColumnId::name, ColumnId::value, ColumnId::sample_rate}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  for (const CompareSide* side : sides) {
    for (const DimensionFilter& f : side->filters)
      scan.columns.set(static_cast<size_t>(f.dim.column));
  }
  SL_RETURN_IF_ERROR(store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& ts = batch.col(ColumnId::ts);
    const Column& type = batch.col(ColumnId::type);
    const Column& name = batch.col(ColumnId::name);
    const Column& value = batch.col(ColumnId::value);
    const Column& rate = batch.col(ColumnId::sample_rate);
    std::vector<int> vital_of(name.dict.size(), -1);
    for (size_t id = 0; id < name.dict.size(); ++id) {
      for (size_t v = 0; v < query.vitals.size(); ++v) {
        if (name.dict[id] == query.vitals[v]) vital_of[id] = static_cast<int>(v);
      }
    }
    for (size_t row = 0; row < batch.rows; ++row) {
      const int v = vital_of[name.ids[row]];
      if (v < 0 || type.str(row) != "vital" || IsNull(value.doubles[row])) continue;
      const double r = rate.doubles[row];
      const double w = SampleWeight(r);
      for (int s = 0; s < 2; ++s) {
        const CompareSide& side = *sides[s];
        if (ts.ints[row] < side.from_ms || ts.ints[row] >= side.to_ms) continue;
        bool keep = true;
        for (const DimensionFilter& f : side.filters) {
          if (!MatchesFilter(f, batch.col(f.dim.column).str(row))) {
            keep = false;
            break;
          }
        }
        if (keep)
          values[static_cast<size_t>(v)][static_cast<size_t>(s)].emplace_back(value.doubles[row],
                                                                              w);
      }
    }
    return Status::Ok();
  }));

  CompareResult result;
  for (size_t v = 0; v < query.vitals.size(); ++v) {
    VitalComparison c;
    c.name = query.vitals[v];
    std::vector<double> plain[2];
    for (int s = 0; s < 2; ++s) {
      auto& side_values = values[v][static_cast<size_t>(s)];
      std::sort(side_values.begin(), side_values.end());
      double weight = 0;
      for (const auto& [x, w] : side_values) {
        weight += w;
        plain[s].push_back(x);
      }
      c.count[s] = weight;
      c.samples[s] = side_values.size();
      c.p75[s] = WeightedQuantile(side_values, weight, 0.75);
    }
    std::tie(c.p_value, c.prob_b_greater) = MannWhitney(std::move(plain[0]), std::move(plain[1]));
    result.vitals.push_back(std::move(c));
  }
  if (!query.event.empty()) {
    for (int s = 0; s < 2; ++s) {
      SessionQuery sq;
      sq.project = query.project;
      sq.from_ms = sides[s]->from_ms;
      sq.to_ms = sides[s]->to_ms;
      sq.filters = sides[s]->filters;
      sq.event = query.event;
      Result<SessionEventRate> rate = ComputeSessionEventRate(store, sq);
      if (!rate.ok()) return rate.status();
      result.rate[s] = *rate;
    }
    result.rate_p_value =
        TwoProportionPValue(static_cast<double>(result.rate[0]->converted_samples),
                            static_cast<double>(result.rate[0]->session_samples),
                            static_cast<double>(result.rate[1]->converted_samples),
                            static_cast<double>(result.rate[1]->session_samples));
  }
  return result;
}

std::string FormatCompare(const CompareQuery& query, const CompareResult& result) {
  JsonWriter w;
  w.BeginObject();
  const CompareSide* sides[2] = {&query.a, &query.b};
  for (int s = 0; s < 2; ++s) {
    w.Key(s == 0 ? "a" : "b");
    w.BeginObject();
    w.Key("segment");
    w.String(sides[s]->label);
    w.Key("from");
    w.Int(sides[s]->from_ms);
    w.Key("to");
    w.Int(sides[s]->to_ms);
    w.EndObject();
  }
  w.Key("vitals");
  w.BeginArray();
  for (const VitalComparison& c : result.vitals) {
    w.BeginObject();
    w.Key("name");
    w.String(c.name);
    for (int s = 0; s < 2; ++s) {
      w.Key(s == 0 ? "a" : "b");
      w.BeginObject();
      w.Key("p75");
      w.NumberOrNull(c.p75[s]);
      w.Key("count");
      w.Double(c.count[s]);
      w.Key("samples");
      w.Int(static_cast<int64_t>(c.samples[s]));
      w.EndObject();
    }
    w.Key("change");
    w.NumberOrNull(c.p75[1] - c.p75[0]);
    w.Key("change_ratio");
    w.NumberOrNull(c.p75[0] != 0 ? (c.p75[1] - c.p75[0]) / c.p75[0] : NAN);
    w.Key("p_value");
    w.Double(c.p_value);
    w.Key("prob_b_greater");
    w.Double(c.prob_b_greater);
    w.Key("significant");
    w.Bool(c.p_value < kSignificance);
    w.EndObject();
  }
  w.EndArray();
  if (!query.event.empty()) {
    w.Key("event");
    w.BeginObject();
    w.Key("name");
    w.String(query.event);
    double rates[2];
    for (int s = 0; s < 2; ++s) {
      const SessionEventRate& r = *result.rate[s];
      rates[s] = r.sessions > 0 ? r.converted / r.sessions : NAN;
      w.Key(s == 0 ? "a" : "b");
      w.BeginObject();
      w.Key("sessions");
      w.Double(r.sessions);
      w.Key("converted");
      w.Double(r.converted);
      w.Key("rate");
      w.NumberOrNull(rates[s]);
      w.EndObject();
    }
    w.Key("change");
    w.NumberOrNull(rates[1] - rates[0]);
    w.Key("p_value");
    w.Double(result.rate_p_value);
    w.Key("significant");
    w.Bool(result.rate_p_value < kSignificance);
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
