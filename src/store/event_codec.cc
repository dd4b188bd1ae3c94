#include "store/event_codec.h"

#include <cstring>

#include "store/coding.h"

namespace sightline {
namespace {

constexpr uint64_t kBatchVersion = 1;

void PutValue(std::string* out, int64_t v) { PutVarint64(out, ZigZag(v)); }
void PutValue(std::string* out, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  PutFixed64(out, bits);
}
void PutValue(std::string* out, const std::string& v) { PutLengthPrefixed(out, v); }

void SetNull(int64_t* v) { *v = kNullInt; }
void SetNull(double* v) { *v = kNullDouble; }
void SetNull(std::string* v) { v->clear(); }

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
  for (const Event& event : batch.events) {
    uint64_t mask = 0;
    int bit = 0;
#define SL_MASK(member, kind)                            \
  if (!IsNull(event.member)) mask |= uint64_t{1} << bit; \
  ++bit;
    SIGHTLINE_EVENT_COLUMNS(SL_MASK)
#undef SL_MASK
    PutFixed64(out, mask);
#define SL_PUT(member, kind) \
  if (!IsNull(event.member)) PutValue(out, event.member);
    SIGHTLINE_EVENT_COLUMNS(SL_PUT)
#undef SL_PUT
  }
}

Status DecodeEventBatchProject(std::string_view in, std::string_view* project) {
  uint64_t version;
  if (!GetVarint64(&in, &version) || version != kBatchVersion) {
    return Status::Corruption("event batch: bad version");
  }
  if (!GetLengthPrefixed(&in, project)) return Status::Corruption("event batch: bad project");
  return Status::Ok();
}

Status DecodeEventBatch(std::string_view in, EventBatch* batch) {
  uint64_t version;
  if (!GetVarint64(&in, &version) || version != kBatchVersion) {
    return Status::Corruption("event batch: bad version");
  }
  std::string_view project;
  if (!GetLengthPrefixed(&in, &project)) return Status::Corruption("event batch: bad project");
  uint64_t n;
  // Every event takes at least its 8-byte mask: bounds the allocation on corrupt input.
  if (!GetVarint64(&in, &n) || n > in.size() / 8) {
    return Status::Corruption("event batch: bad event count");
  }
  batch->project.assign(project);
  batch->events.resize(n);  // existing Events are overwritten below: their buffers are reused
  for (Event& event : batch->events) {
    uint64_t mask;
    if (!GetFixed64(&in, &mask)) return Status::Corruption("event batch: truncated event");
    int bit = 0;
    bool ok = true;
#define SL_GET(member, kind)                 \
  if (mask & (uint64_t{1} << bit)) {         \
    ok = ok && GetValue(&in, &event.member); \
  } else {                                   \
    SetNull(&event.member);                  \
  }                                          \
  ++bit;
    SIGHTLINE_EVENT_COLUMNS(SL_GET)
#undef SL_GET
    if (!ok) return Status::Corruption("event batch: truncated value");
    if (mask >> kNumColumns) return Status::Corruption("event batch: unknown column bits");
  }
  if (!in.empty()) return Status::Corruption("event batch: trailing bytes");
  return Status::Ok();
}

}  // namespace sightline
