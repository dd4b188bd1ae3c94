// Typed, limit-checked reads of beacon fields, and the per-type validation of one event.
//
// FieldReader reads the members of one JSON object. Each call returns a FieldCheck: nullopt when
// the member is absent (and not required) or valid, else the field's path and the reason. Strings
// over their limit are cut at a UTF-8 boundary and the field's path is appended to `truncated`.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <cstring>
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
  // Indexes the object's members once in a small hash table (a beacon's objects are small), so
  // that each read is a probe or two instead of a walk of the parsed document.
  FieldReader(simdjson::dom::object obj, std::string prefix, const LimitsConfig& limits,
              std::vector<std::string>* truncated);

  FieldCheck String(std::string_view key, std::string* out, size_t max_bytes,
                    bool required = false);
  FieldCheck Number(std::string_view key, double* out, double min, double max, bool required);
  FieldCheck Int(std::string_view key, int64_t* out, int64_t min, int64_t max,
                 bool required = false);
  FieldCheck Bool(std::string_view key, int64_t* out);
  // A list of strings stored joined by kFlagSeparator.
  FieldCheck StringList(std::string_view key, std::string* out, size_t max_items,
                        size_t max_item_bytes);
  // A nested object read by `read(FieldReader&) -> FieldCheck` with a reader prefixed "key.".
  template <typename Read>
  FieldCheck Object(std::string_view key, Read read) {
    simdjson::dom::element el;
    if (!Find(key, &el)) return std::nullopt;
    simdjson::dom::object obj;
    if (el.get(obj)) return Invalid(key, "must be an object");
    FieldReader nested(obj, Path(key) + ".", limits_, truncated_);
    return read(nested);
  }
  // A JSON object (want_array = false) or array stored as its minified text, at most
  // limits.max_text_bytes; a longer one is dropped and reported as truncated.
  FieldCheck Json(std::string_view key, std::string* out, bool want_array);

  std::string Path(std::string_view key) const { return prefix_ + std::string(key); }

 private:
  // A member key's length, first and last byte in one word: what the table hashes, and compared
  // before the bytes are.
  static uint64_t KeyTag(std::string_view key) {
    if (key.empty()) return 0;
    return key.size() | uint64_t{static_cast<unsigned char>(key.front())} << 32 |
           uint64_t{static_cast<unsigned char>(key.back())} << 40;
  }
  static size_t SlotOf(uint64_t tag) { return (tag * 0x9e3779b97f4a7c15) >> (64 - kSlotBits); }
  // The member `key`; false when it is absent or null. Inline: a literal key's tag folds away.
  bool Find(std::string_view key, simdjson::dom::element* value) const {
    if (!indexed_) return FindInDocument(key, value);
    const uint64_t tag = KeyTag(key);
    for (size_t slot = SlotOf(tag);; slot = (slot + 1) & (kSlots - 1)) {
      if (slots_[slot] == 0) return false;
      const Member& member = members_[slots_[slot] - 1];
      if (member.tag == tag && SameBytes(member.key_data, key.data(), key.size())) {
        *value = member.value;
        return !value->is_null();
      }
    }
  }
  bool FindInDocument(std::string_view key, simdjson::dom::element* value) const;
  // Whether two keys whose tags match (same length, first and last byte) are equal. Keys are
  // short: words compared inline beat a call to memcmp; the last word may overlap the one before.
  static bool SameBytes(const char* a, const char* b, size_t n) {
    if (n >= 8) {
      for (size_t idx = 0; idx + 8 <= n; idx += 8) {
        if (Load<uint64_t>(a + idx) != Load<uint64_t>(b + idx)) return false;
      }
      return Load<uint64_t>(a + n - 8) == Load<uint64_t>(b + n - 8);
    }
    if (n >= 4) {
      return Load<uint32_t>(a) == Load<uint32_t>(b) &&
             Load<uint32_t>(a + n - 4) == Load<uint32_t>(b + n - 4);
    }
    return n < 3 || a[1] == b[1];  // up to 2 bytes, the tag compared them all
  }
  template <typename Word>
  static Word Load(const char* p) {
    Word word;
    std::memcpy(&word, p, sizeof(word));
    return word;
  }
  FieldCheck Missing(std::string_view key) const;
  FieldCheck Invalid(std::string_view key, std::string reason) const;
  void AssignTruncated(std::string_view value, size_t max_bytes, std::string_view key,
                       std::string* out);

  // Left uninitialised until filled (the table is sized for the largest object, a reader is made
  // per object), hence raw fields and a union.
  struct Member {
    Member() {}
    std::string_view key() const { return {key_data, key_size}; }
    uint64_t tag;
    const char* key_data;
    size_t key_size;
    union {
      simdjson::dom::element value;
    };
  };
  static constexpr size_t kMaxIndexed = 32;  // larger objects fall back to the document's lookup
  static constexpr size_t kSlotBits = 6;
  static constexpr size_t kSlots = size_t{1} << kSlotBits;  // at most half full
  simdjson::dom::object obj_;
  std::array<Member, kMaxIndexed> members_;
  std::array<uint8_t, kSlots> slots_{};  // open addressing: member index + 1, 0 = empty
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

// The context columns an event may hold a value of its own for (ReadEvent writes no other context
// column): everything else of the context, every event inherits.
inline constexpr uint64_t kOverridableContextColumns =
    ColumnBit(ColumnId::url) | ColumnBit(ColumnId::route) | ColumnBit(ColumnId::page_view_id) |
    ColumnBit(ColumnId::truncated);

// Reads and validates one element of `events` into `event`, whose columns are all null on entry:
// it gets the event's own values only (the caller decides what it inherits from the beacon's
// `context`). An event with its own url other than the context's gets the route of that url
// unless it names its own. Returns the rejection, or nullopt when the event is valid.
std::optional<EventRejection> ReadEvent(simdjson::dom::element element, size_t index,
                                        const LimitsConfig& limits, const EventWindow& window,
                                        const Event& context, Event* event,
                                        std::vector<std::string>* truncated);

// Writes `element` as compact JSON into `out` (replacing its contents, keeping its buffer).
void MinifyJson(simdjson::dom::element element, std::string* out);

// Google's rating of a Core Web Vital value: "good", "needs-improvement" or "poor"; "" for an
// unknown metric name.
std::string_view RateVital(std::string_view name, double value);

// The path of a URL without scheme, host, query and fragment ("/a/b" of "https://x/a/b?q#f").
std::string UrlPath(std::string_view url);

}  // namespace sightline
