#include "store/event_codec.h"

#include <array>
#include <cstring>

#include "store/coding.h"

namespace sightline {
namespace {

// Version 2 adds the repeat mask; version 1 (one fixed64 presence mask) is still read.
constexpr uint64_t kBatchVersion = 2;

// The most bytes EncodeValue writes for a value, and the value written at `p` (returns the end).
size_t MaxEncodedSize(int64_t) { return kMaxVarint64Bytes; }
size_t MaxEncodedSize(double) { return sizeof(double); }
size_t MaxEncodedSize(const std::string& v) { return kMaxVarint64Bytes + v.size(); }
char* EncodeValue(char* p, int64_t v) { return EncodeVarint64(p, ZigZag(v)); }
char* EncodeValue(char* p, double v) {
  std::memcpy(p, &v, sizeof(double));  // little-endian, as PutFixed64
  return p + sizeof(double);
}
char* EncodeValue(char* p, const std::string& v) {
  p = EncodeVarint64(p, v.size());
  std::memcpy(p, v.data(), v.size());
  return p + v.size();
}

bool Same(int64_t a, int64_t b) { return a == b; }
bool Same(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }
bool Same(const std::string& a, const std::string& b) { return a == b; }

bool GetValue(std::string_view* in, int64_t* v) {
  uint64_t raw;
  if (!GetVarint64(in, &raw)) return false;
  *v = UnZigZag(raw);
  return true;
}
bool GetValue(std::string_view* in, double* v) {
  uint64_t bits;
  if (!GetFixed64(in, &bits)) return false;
  std::memcpy(v, &bits, 8);
  return true;
}
bool GetValue(std::string_view* in, std::string* v) {
  std::string_view s;
  if (!GetLengthPrefixed(in, &s)) return false;
  v->assign(s);
  return true;
}

}  // namespace

void EncodeEventBatch(const EventBatch& batch, std::string* out) {
  PutVarint64(out, kBatchVersion);
  PutLengthPrefixed(out, batch.project);
  PutVarint64(out, batch.events.size());
  const Event& context = batch.context;
  // Room for all the context's values, for an event that writes some of them.
  size_t context_bound = 0;
#define SL_CONTEXT_BOUND(member, kind) \
  if (!IsNull(context.member)) context_bound += MaxEncodedSize(context.member);
  SIGHTLINE_EVENT_COLUMNS(SL_CONTEXT_BOUND)
#undef SL_CONTEXT_BOUND
  const Event* prev = nullptr;
  for (const Event& event : batch.events) {
    const uint64_t inherited = event.inherited;
    const uint64_t prev_inherited = prev != nullptr ? prev->inherited : 0;
    // A column both events inherit repeats without a comparison; one only this event inherits is
    // written (the previous event had its own value there, or there is no previous event).
    uint64_t repeated = prev != nullptr ? inherited & prev_inherited : 0;
    uint64_t present = inherited & ~repeated;
    // Values are written in place: room for the event's largest encoding, then cut to size.
    size_t bound = 2 * kMaxVarint64Bytes + (present != 0 ? context_bound : 0);
    int bit = 0;
    // The event's own values: repeated when equal to the previous event's value of the column.
#define SL_PREV_VALUE(member) (((prev_inherited >> bit) & 1) ? context.member : prev->member)
#define SL_MASK(member, kind)                                                 \
  if (!IsNull(event.member)) { /* an inherited column's own member is null */ \
    if (prev != nullptr && Same(event.member, SL_PREV_VALUE(member))) {       \
      repeated |= uint64_t{1} << bit;                                         \
    } else {                                                                  \
      present |= uint64_t{1} << bit;                                          \
      bound += MaxEncodedSize(event.member);                                  \
    }                                                                         \
  }                                                                           \
  ++bit;
    SIGHTLINE_EVENT_COLUMNS(SL_MASK)
#undef SL_MASK
#undef SL_PREV_VALUE
    const size_t start = out->size();
    out->resize(start + bound);
    char* p = out->data() + start;
    p = EncodeVarint64(p, present);
    p = EncodeVarint64(p, repeated);
    bit = 0;
#define SL_PUT(member, kind)                                                      \
  if ((present >> bit) & 1) {                                                     \
    p = EncodeValue(p, ((inherited >> bit) & 1) ? context.member : event.member); \
  }                                                                               \
  ++bit;
    SIGHTLINE_EVENT_COLUMNS(SL_PUT)
#undef SL_PUT
    out->resize(static_cast<size_t>(p - out->data()));
    prev = &event;
  }
}

Status DecodeEventBatchProject(std::string_view in, std::string_view* project) {
  uint64_t version;
  if (!GetVarint64(&in, &version) || version < 1 || version > kBatchVersion) {
    return Status::Corruption("event batch: bad version");
  }
  if (!GetLengthPrefixed(&in, project)) return Status::Corruption("event batch: bad project");
  return Status::Ok();
}

Status DecodeEventBatch(std::string_view in, EventBatch* batch) {
  uint64_t version;
  if (!GetVarint64(&in, &version) || version < 1 || version > kBatchVersion) {
    return Status::Corruption("event batch: bad version");
  }
  std::string_view project;
  if (!GetLengthPrefixed(&in, &project)) return Status::Corruption("event batch: bad project");
  uint64_t n;
  // Every event takes at least its masks (8 bytes in version 1, 2 in version 2): this bounds the
  // allocation on corrupt input.
  const size_t min_event_bytes = version == 1 ? 8 : 2;
  if (!GetVarint64(&in, &n) || n > in.size() / min_event_bytes) {
    return Status::Corruption("event batch: bad event count");
  }
  batch->project.assign(project);
  batch->context = Event();  // decoded events hold all their values
  batch->events.resize(n);   // existing Events are overwritten below: their buffers are reused
  uint64_t prev_mask = 0;    // the previous event's non-null columns
  for (size_t event_idx = 0; event_idx < n; ++event_idx) {
    Event& event = batch->events[event_idx];
    const Event* prev = event_idx > 0 ? &batch->events[event_idx - 1] : nullptr;
    uint64_t present = 0, repeated = 0;
    bool masks_ok = version == 1 ? GetFixed64(&in, &present)
                                 : GetVarint64(&in, &present) && GetVarint64(&in, &repeated);
    if (!masks_ok) return Status::Corruption("event batch: truncated event");
    // A repeated column repeats a value: the previous event must have one there.
    if ((present & repeated) != 0 || (repeated & ~prev_mask) != 0) {
      return Status::Corruption("event batch: bad masks");
    }
    if constexpr (kNumColumns < 64) {
      if ((present | repeated) >> kNumColumns) {
        return Status::Corruption("event batch: unknown column bits");
      }
    }
    event.inherited = 0;
    int bit = 0;
    bool ok = true;
#define SL_GET(member, kind)                    \
  if (present & (uint64_t{1} << bit)) {         \
    ok = ok && GetValue(&in, &event.member);    \
  } else if (repeated & (uint64_t{1} << bit)) { \
    event.member = prev->member;                \
  } else {                                      \
    SetNull(&event.member);                     \
  }                                             \
  ++bit;
    SIGHTLINE_EVENT_COLUMNS(SL_GET)
#undef SL_GET
    if (!ok) return Status::Corruption("event batch: truncated value");
    prev_mask = present | repeated;
  }
  if (!in.empty()) return Status::Corruption("event batch: trailing bytes");
  return Status::Ok();
}

Status DecodeEventBatchInto(std::string_view in, const BuilderPicker& pick) {
  uint64_t version;
  if (!GetVarint64(&in, &version) || version < 1 || version > kBatchVersion) {
    return Status::Corruption("event batch: bad version");
  }
  std::string_view project;
  if (!GetLengthPrefixed(&in, &project)) return Status::Corruption("event batch: bad project");
  uint64_t n;
  const size_t min_event_bytes = version == 1 ? 8 : 2;
  if (!GetVarint64(&in, &n) || n > in.size() / min_event_bytes) {
    return Status::Corruption("event batch: bad event count");
  }
  // The previous event's values, for repeated columns; strings view the record itself. Only the
  // columns in `prev_mask` (the previous event's non-null ones) are valid.
  std::array<int64_t, kNumColumns> prev_int;
  std::array<double, kNumColumns> prev_double;
  std::array<std::string_view, kNumColumns> prev_string;
  uint64_t prev_mask = 0;
  const ColumnBatchBuilder* prev_builder = nullptr;
  for (uint64_t event_idx = 0; event_idx < n; ++event_idx) {
    uint64_t present = 0, repeated = 0;
    bool masks_ok = version == 1 ? GetFixed64(&in, &present)
                                 : GetVarint64(&in, &present) && GetVarint64(&in, &repeated);
    if (!masks_ok) return Status::Corruption("event batch: truncated event");
    if ((present & repeated) != 0 || (repeated & ~prev_mask) != 0) {
      return Status::Corruption("event batch: bad masks");
    }
    if constexpr (kNumColumns < 64) {
      if ((present | repeated) >> kNumColumns) {
        return Status::Corruption("event batch: unknown column bits");
      }
    }
    // ts is column 0: it picks the builder (a null ts picks with kNullInt).
    ColumnBatchBuilder* builder = (present | repeated) & 1 ? nullptr : pick(project, kNullInt);
    // Only the event's non-null columns, in column order (the order of the values).
    for (uint64_t bits = present | repeated; bits != 0; bits &= bits - 1) {
      const size_t col_idx = static_cast<size_t>(__builtin_ctzll(bits));
      const bool is_present = (present >> col_idx) & 1;
      switch (kColumns[col_idx].kind) {
        case ColumnKind::kInt64: {
          int64_t& v = prev_int[col_idx];
          if (is_present && !GetValue(&in, &v)) {
            return Status::Corruption("event batch: truncated value");
          }
          if (col_idx == 0) builder = pick(project, v);
          if (builder) builder->PutInt(col_idx, v);
          break;
        }
        case ColumnKind::kDouble: {
          double& v = prev_double[col_idx];
          if (is_present && !GetValue(&in, &v)) {
            return Status::Corruption("event batch: truncated value");
          }
          if (builder) builder->PutDouble(col_idx, v);
          break;
        }
        case ColumnKind::kString: {
          std::string_view& v = prev_string[col_idx];
          if (is_present && !GetLengthPrefixed(&in, &v)) {
            return Status::Corruption("event batch: truncated value");
          }
          if (builder == nullptr) break;
          // A repeated value is the one the previous event put in the row above, when both
          // events went to this builder (and it has not been emptied since).
          if (is_present || builder != prev_builder || !builder->PutStringAsAbove(col_idx)) {
            builder->PutString(col_idx, v);
          }
          break;
        }
      }
    }
    if (builder) builder->EndRow();
    prev_mask = present | repeated;
    prev_builder = builder;
  }
  if (!in.empty()) return Status::Corruption("event batch: trailing bytes");
  return Status::Ok();
}

}  // namespace sightline
