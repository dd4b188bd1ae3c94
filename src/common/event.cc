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

}  // namespace sightline
