// TrafficParser: the body of POST /v1/traffic, a backend's count of the page requests it served,
// per minute and route (docs/protocol.md §17). With the page views the agents report, it gives
// coverage: the share of real page loads Sightline sees.
//
//   {"key": "...", "counts": [{"minute": "2026-11-28T10:15:00Z", "route": "/products/:id",
//                              "requests": 1200, "service": "storefront"}]}
//
// `minute` is an ISO-8601 instant or epoch milliseconds, cut to its minute; `route` a route or a
// URL path (templated like page views' routes by the caller); `requests` an integer ≥ 0. A bad
// count is rejected alone, with its index, field and reason. Not thread-safe: one per thread.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"

namespace sightline {

inline constexpr size_t kMaxTrafficCounts = 10000;

struct TrafficCount {
  int64_t minute_ms = 0;  // the minute's start, epoch ms
  std::string route;
  int64_t requests = 0;
  std::string service;  // "" when absent
};

struct TrafficRejection {
  size_t index;
  std::string field;
  std::string reason;
};

struct ParsedTraffic {
  std::string key;  // the body's "key", "" when absent
  std::vector<TrafficCount> counts;
  std::vector<TrafficRejection> rejected;
};

// A body that cannot be used at all.
struct TrafficError {
  int http_status;    // 400 or 413
  std::string error;  // invalid_json, invalid_body, too_large
  std::string field;
  std::string reason;
};

class TrafficParser {
 public:
  explicit TrafficParser(const LimitsConfig& limits) : limits_(limits) {}
  std::optional<TrafficError> Parse(std::string_view body, int64_t now_ms, ParsedTraffic* out);

 private:
  LimitsConfig limits_;
  simdjson::dom::parser parser_;
};

}  // namespace sightline
