// BeaconParser: turns the JSON body of a v1 beacon (docs/protocol.md) into validated Events.
//
// Validation is per event: an invalid event is rejected alone, with the field and the reason, and
// its valid neighbours are kept. Only what makes the whole beacon unusable (not JSON, invalid
// UTF-8, nesting too deep, a bad beacon-level field, too many events) fails the beacon.
// Text longer than its limit is cut at a UTF-8 boundary and reported in `truncated`, not
// rejected; the stored event's `truncated` column is set. Under minimal consent the session,
// page-view and user identifiers are dropped before anything is stored.
//
// Not thread-safe: it reuses the JSON parser's buffers; use one per thread.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/event.h"

namespace sightline {

// Why an event was rejected, as counted in /metrics (sightline_events_rejected_total{reason}).
enum class RejectReason { kNotAnObject, kUnknownType, kTimestamp, kMissingField, kInvalidField };
inline constexpr RejectReason kAllRejectReasons[] = {
    RejectReason::kNotAnObject, RejectReason::kUnknownType, RejectReason::kTimestamp,
    RejectReason::kMissingField, RejectReason::kInvalidField};
std::string_view RejectReasonName(RejectReason reason);

struct EventRejection {
  size_t index;        // position in the beacon's `events`
  std::string field;   // the event's field, e.g. "value", "timing.dns"; "" for the whole event
  std::string reason;  // human-readable
  RejectReason code;
};

struct FieldTruncation {
  size_t index;  // position in `events`, or kBeaconLevel for a context field
  std::string field;
};
inline constexpr size_t kBeaconLevel = static_cast<size_t>(-1);

// A beacon that cannot be used at all.
struct BeaconError {
  int http_status;    // 400 or 413
  std::string error;  // invalid_json, invalid_utf8, too_deep, invalid_beacon, too_large
  std::string field;  // "" when not about one field
  std::string reason;
  int64_t position = -1;  // byte offset in the body, for invalid_json / invalid_utf8
};

struct ParsedBeacon {
  std::string key;   // the body's "key", "" when absent
  EventBatch batch;  // project left empty: the caller resolves it from the key
  std::vector<EventRejection> rejected;
  std::vector<FieldTruncation> truncated;
};

class BeaconParser {
 public:
  explicit BeaconParser(const LimitsConfig& limits);

  // Parses `body`; `now_ms` bounds the accepted timestamps. On failure returns the error and
  // leaves `out` unspecified.
  std::optional<BeaconError> Parse(std::string_view body, int64_t now_ms, ParsedBeacon* out);

 private:
  LimitsConfig limits_;
  simdjson::dom::parser parser_;
  std::vector<std::string> context_truncated_;  // the context's truncated fields
};

}  // namespace sightline
