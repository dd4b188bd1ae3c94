#include "query/distribution_query.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "common/json_writer.h"

namespace sightline {
namespace {

double DefaultMax(std::string_view metric) {
  static constexpr std::pair<std::string_view, double> kMax[] = {
      {"LCP", 10000}, {"INP", 1000}, {"CLS", 1}, {"FCP", 6000}, {"TTFB", 4000}, {"FID", 500}};
  for (const auto& [name, max] : kMax) {
    if (name == metric) return max;
  }
  return 10000;
}

}  // namespace

std::optional<QueryError> ParseDistributionQuery(const QueryParams& params, int64_t now_ms,
                                                 AggregateSpec* spec) {
  QueryParams base;
  for (const auto& [key, value] : params) {
    if (key != "stats") base.emplace_back(key, value);
  }
  if (auto err = ParseMetricsQuery(base, now_ms, spec)) return err;
  if (!spec->group_by.empty()) return QueryError{"group_by", "not for distributions"};
  spec->limit = 0;
  size_t bins = 40;
  if (const std::string* text = FindParam(params, "bins")) {
    auto res = std::from_chars(text->data(), text->data() + text->size(), bins);
    if (res.ec != std::errc() || res.ptr != text->data() + text->size() || bins == 0 ||
        bins > kMaxBins) {
      return QueryError{"bins", "must be an integer in [1, 200], got \"" + *text + "\""};
    }
  }
  double max = DefaultMax(spec->metric_name);
  if (const std::string* text = FindParam(params, "max")) {
    auto res = std::from_chars(text->data(), text->data() + text->size(), max);
    if (res.ec != std::errc() || res.ptr != text->data() + text->size() || !(max > 0) ||
        !std::isfinite(max)) {
      return QueryError{"max", "must be a number above 0, got \"" + *text + "\""};
    }
  }
  spec->stats.clear();
  const double width = max / static_cast<double>(bins);
  for (size_t i = 0; i < bins; ++i) {
    Stat bin{"bin" + std::to_string(i), StatKind::kCountIn};
    // The first bin holds 0 too; the last is open-ended.
    bin.above = i == 0 ? -std::numeric_limits<double>::infinity() : width * static_cast<double>(i);
    bin.at_most = i + 1 == bins ? std::numeric_limits<double>::infinity()
                                : width * static_cast<double>(i + 1);
    spec->stats.push_back(std::move(bin));
  }
  spec->stats.push_back({"count", StatKind::kCount});
  spec->stats.push_back({"samples", StatKind::kSamples});
  return std::nullopt;
}

std::string FormatDistribution(const AggregateSpec& spec, const AggregateResult& result) {
  const size_t bins = spec.stats.size() - 2;
  const AggregateRow* row = result.rows.empty() ? nullptr : &result.rows.front();
  JsonWriter w;
  w.BeginObject();
  w.Key("from");
  w.Int(spec.from_ms);
  w.Key("to");
  w.Int(spec.to_ms);
  w.Key("count");
  w.Double(row != nullptr ? row->values[bins] : 0);
  w.Key("samples");
  w.Double(row != nullptr ? row->values[bins + 1] : 0);
  w.Key("bins");
  w.BeginArray();
  for (size_t i = 0; i < bins; ++i) {
    const Stat& bin = spec.stats[i];
    w.BeginObject();
    w.Key("from");
    w.Double(i == 0 ? 0 : bin.above);
    w.Key("to");
    if (std::isinf(bin.at_most)) {
      w.Null();
    } else {
      w.Double(bin.at_most);
    }
    w.Key("count");
    w.Double(row != nullptr ? row->values[i] : 0);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
