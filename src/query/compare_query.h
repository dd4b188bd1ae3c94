// GET /api/v1/compare: two segments side by side — before and after a release, two releases, or
// the two variants of an A/B test's feature flag (docs/query-api.md). For each vital: the
// weighted p75 on both sides, the change, and whether the two distributions differ significantly
// (Mann-Whitney U, two-sided, normal approximation with tie correction, on the stored values);
// for a business event: the share of sessions that fired it on both sides and a two-proportion z
// test. Significant means p < 0.05. Exact: one scan of the columns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/metrics_query.h"
#include "query/session_query.h"
#include "store/store.h"

namespace sightline {

struct CompareSide {
  std::string label;  // the side's filter text, as given
  int64_t from_ms = 0, to_ms = 0;
  std::vector<DimensionFilter> filters;  // the common filters and the side's own
};

struct CompareQuery {
  std::string project;
  CompareSide a, b;
  std::vector<std::string> vitals;
  std::string event;  // "" = no business event
};

struct VitalComparison {
  std::string name;
  double p75[2] = {0, 0};
  double count[2] = {0, 0};  // weighted
  uint64_t samples[2] = {0, 0};
  double p_value = 1;           // Mann-Whitney U; 1 when a side has no value
  double prob_b_greater = 0.5;  // P(a value of b > a value of a), ties counted half
};

struct CompareResult {
  std::vector<VitalComparison> vitals;
  std::optional<SessionEventRate> rate[2];
  double rate_p_value = 1;
};

// Mann-Whitney U for samples `a` and `b` (need not be sorted): the two-sided p-value and
// P(b > a) + P(b = a) / 2.
std::pair<double, double> MannWhitney(std::vector<double> a, std::vector<double> b);
// Two-proportion z test, two-sided p-value (1 when undefined).
double TwoProportionPValue(double x1, double n1, double x2, double n2);

// Parameters: a, b (filter clauses defining each side; at least one of a side's clauses or
// range), a_from, a_to, b_from, b_to (each side's range; default from/to), from, to, filter
// (common to both), names (vitals, default LCP,INP,CLS), event (a business event).
std::optional<QueryError> ParseCompareQuery(const QueryParams& params, int64_t now_ms,
                                            CompareQuery* query);
Result<CompareResult> RunCompare(Store& store, const CompareQuery& query);
std::string FormatCompare(const CompareQuery& query, const CompareResult& result);

}  // namespace sightline
