#include "ingest/traffic_parser.h"

#include <cmath>

#include "common/time_parse.h"

namespace sightline {
namespace {

// An ISO-8601 string or a number of epoch milliseconds.
std::optional<int64_t> MinuteOf(const simdjson::dom::element& v) {
  std::string_view text;
  if (v.get(text) == simdjson::SUCCESS) return ParseTimestamp(text);
  double ms = 0;
  if (v.is_number() && v.get(ms) == simdjson::SUCCESS && std::isfinite(ms) && std::abs(ms) < 1e15) {
    return std::llround(ms);
  }
  return std::nullopt;
}

}  // namespace

std::optional<TrafficError> TrafficParser::Parse(std::string_view body, int64_t now_ms,
                                                 ParsedTraffic* out) {
  out->key.clear();
  out->counts.clear();
  out->rejected.clear();
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (auto error = parser_.parse(padded).get(root)) {
    return TrafficError{400, "invalid_json", "", simdjson::error_message(error)};
  }
  simdjson::dom::object obj;
  if (root.get(obj)) return TrafficError{400, "invalid_body", "", "must be a JSON object"};
  simdjson::dom::element key;
  if (obj["key"].get(key) == simdjson::SUCCESS) {
    std::string_view k;
    if (key.get(k)) return TrafficError{400, "invalid_body", "key", "must be a string"};
    out->key.assign(k);
  }
  simdjson::dom::array counts;
  simdjson::dom::element counts_element;
  if (obj["counts"].get(counts_element)) {
    return TrafficError{400, "invalid_body", "counts", "is required"};
  }
  if (counts_element.get(counts)) {
    return TrafficError{400, "invalid_body", "counts", "must be an array"};
  }
  if (counts.size() > kMaxTrafficCounts) {
    return TrafficError{413, "too_large", "counts",
                        std::to_string(counts.size()) + " counts; at most " +
                            std::to_string(kMaxTrafficCounts) + " per request"};
  }
  const int64_t oldest = now_ms - int64_t{limits_.max_event_age_s} * 1000;
  const int64_t newest = now_ms + int64_t{limits_.max_event_future_s} * 1000;
  size_t index = 0;
  for (simdjson::dom::element element : counts) {
    auto reject = [&](std::string field, std::string reason) {
      out->rejected.push_back({index, std::move(field), std::move(reason)});
    };
    TrafficCount count;
    simdjson::dom::object item;
    simdjson::dom::element v;
    std::string_view text;
    if (element.get(item)) {
      reject("", "must be an object");
    } else if (item["minute"].get(v)) {
      reject("minute", "is required");
    } else if (std::optional<int64_t> minute = MinuteOf(v); !minute) {
      reject("minute", "must be an ISO-8601 time or epoch milliseconds");
    } else if (*minute < oldest || *minute > newest) {
      reject("minute", "outside the accepted window (limits.max_event_age_s, max_event_future_s)");
    } else if (item["route"].get(v) || v.get(text) || text.empty()) {
      reject("route", "is required: a route or URL path");
    } else if (text.size() > limits_.max_string_bytes) {
      reject("route", "longer than limits.max_string_bytes");
    } else {
      count.minute_ms = *minute - ((*minute % 60000) + 60000) % 60000;
      count.route.assign(text);
      double requests = 0;
      if (item["requests"].get(v) || v.get(requests) || !std::isfinite(requests) || requests < 0 ||
          requests > 1e12 || requests != std::floor(requests)) {
        reject("requests", "must be an integer in [0, 1e12]");
      } else {
        count.requests = static_cast<int64_t>(requests);
        if (item["service"].get(v) == simdjson::SUCCESS &&
            (v.get(text) || text.size() > limits_.max_string_bytes)) {
          reject("service", "must be a string of at most limits.max_string_bytes");
        } else {
          if (item["service"].get(v) == simdjson::SUCCESS) count.service.assign(text);
          out->counts.push_back(std::move(count));
        }
      }
    }
    ++index;
  }
  return std::nullopt;
}

}  // namespace sightline
