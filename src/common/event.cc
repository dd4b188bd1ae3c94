#include "common/event.h"

namespace sightline {

bool FindColumn(std::string_view name, ColumnId* id) {
  for (size_t idx = 0; idx < kNumColumns; ++idx) {
    if (kColumns[idx].name == name) {
      *id = static_cast<ColumnId>(idx);
      return true;
    }
  }
  return false;
}

uint64_t NonNullColumns(const Event& event) {
  uint64_t mask = 0;
  int bit = 0;
#define SL_NON_NULL(member, kind)                 \
  mask |= uint64_t{!IsNull(event.member)} << bit; \
  ++bit;
  SIGHTLINE_EVENT_COLUMNS(SL_NON_NULL)
#undef SL_NON_NULL
  return mask;
}

Event ResolvedEvent(const EventBatch& batch, size_t index) {
  Event event = batch.events[index];
  int bit = 0;
#define SL_RESOLVE(member, kind)                                         \
  if ((event.inherited >> bit) & 1) event.member = batch.context.member; \
  ++bit;
  SIGHTLINE_EVENT_COLUMNS(SL_RESOLVE)
#undef SL_RESOLVE
  event.inherited = 0;
  return event;
}

}  // namespace sightline
