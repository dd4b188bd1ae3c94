// Typed, limit-checked reads of beacon fields, and the per-type validation of one event.
//
// FieldReader reads the members of one JSON object. Each call returns a FieldCheck: nullopt when
// the member is absent (and not required) or valid, else the field's path and the reason. Strings
// over their limit are cut at a UTF-8 boundary and the field's path is appended to `truncated`.
#pragma once

#include <simdjson.h>

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/event.h"
#include "ingest/beacon_parser.h"

namespace sightline {

struct FieldError {
  std::string field;
  std::string reason;
  RejectReason code = RejectReason::kInvalidField;
};
using FieldCheck = std::optional<FieldError>;

class FieldReader {
 public:
  // Indexes the object's members once (a beacon's objects are small), so that each read is a
  // scan of (length, bytes) pairs instead of a walk of the parsed document.
  FieldReader(simdjson::dom::object obj, std::string prefix, const LimitsConfig& limits,
              std::vector<std::string>* truncated);

  FieldCheck String(const char* key, std::string* out, size_t max_bytes, bool required = false);
  FieldCheck Number(const char* key, double* out, double min, double max, bool required);
  FieldCheck Int(const char* key, int64_t* out, int64_t min, int64_t max, bool required = false);
  FieldCheck Bool(const char* key, int64_t* out);
  // A list of strings stored joined by kFlagSeparator.
  FieldCheck StringList(const char* key, std::string* out, size_t max_items, size_t max_item_bytes);
  // A nested object read by `read` with a reader prefixed "key.".
  FieldCheck Object(const char* key, const std::function<FieldCheck(FieldReader&)>& read);
  // A JSON object (want_array = false) or array stored as its minified text, at most
  // limits.max_text_bytes; a longer one is dropped and reported as truncated.
  FieldCheck Json(const char* key, std::string* out, bool want_array);

  std::string Path(const char* key) const { return prefix_ + key; }

 private:
  // The member `key`; false when it is absent or null.
  bool Find(std::string_view key, simdjson::dom::element* value) const;
  FieldCheck Missing(const char* key) const;
  FieldCheck Invalid(const char* key, std::string reason) const;
  void AssignTruncated(std::string_view value, size_t max_bytes, const char* key, std::string* out);

  static constexpr size_t kMaxIndexed = 32;  // larger objects fall back to the document's lookup
  simdjson::dom::object obj_;
  std::array<std::pair<std::string_view, simdjson::dom::element>, kMaxIndexed> members_;
  size_t member_count_ = 0;
  bool indexed_ = true;
  std::string prefix_;
  const LimitsConfig& limits_;
  std::vector<std::string>* truncated_;
};

struct EventWindow {
  int64_t min_ts;  // inclusive
  int64_t max_ts;  // inclusive
};

// Reads and validates one element of `events` into `event` (which holds the beacon's context on
// entry). Returns the rejection, or nullopt when the event is valid.
std::optional<EventRejection> ReadEvent(simdjson::dom::element element, size_t index,
                                        const LimitsConfig& limits, const EventWindow& window,
                                        Event* event, std::vector<std::string>* truncated);

// Google's rating of a Core Web Vital value: "good", "needs-improvement" or "poor"; "" for an
// unknown metric name.
std::string_view RateVital(std::string_view name, double value);

// The path of a URL without scheme, host, query and fragment ("/a/b" of "https://x/a/b?q#f").
std::string UrlPath(std::string_view url);

}  // namespace sightline
