#include "store/string_interner.h"

#include <xxhash.h>

namespace sightline {
namespace {

uint32_t HashOf(std::string_view value) {
  return static_cast<uint32_t>(XXH3_64bits(value.data(), value.size()));
}

// Doubles the table (64 slots when empty), keeping every slot's entry.
void Grow(std::vector<InternSlot>* slots) {
  std::vector<InternSlot> old = std::move(*slots);
  slots->assign(old.empty() ? 64 : old.size() * 2, InternSlot{0, 0});
  const size_t mask = slots->size() - 1;
  for (const InternSlot& slot : old) {
    if (slot.id == 0) continue;
    size_t pos = slot.hash & mask;
    while ((*slots)[pos].id != 0) pos = (pos + 1) & mask;
    (*slots)[pos] = slot;
  }
}

}  // namespace

uint32_t StringInterner::Intern(std::string_view value, std::vector<std::string>* dict) {
  if (value.empty()) return 0;
  if (2 * (used_ + 1) > slots_.size()) Grow(&slots_);
  const uint32_t hash = HashOf(value);
  const size_t mask = slots_.size() - 1;
  for (size_t pos = hash & mask;; pos = (pos + 1) & mask) {
    InternSlot& slot = slots_[pos];
    if (slot.id == 0) {
      slot = {hash, static_cast<uint32_t>(dict->size())};
      dict->emplace_back(value);
      ++used_;
      return slot.id;
    }
    if (slot.hash == hash && (*dict)[slot.id] == value) return slot.id;
  }
}

void StringInterner::Clear() {
  slots_.clear();
  used_ = 0;
}

uint32_t InternedStrings::Intern(std::string_view value) {
  if (value.empty()) return 0;
  if (2 * (ends_.size() + 1) > slots_.size()) Grow(&slots_);
  const uint32_t hash = HashOf(value);
  const size_t mask = slots_.size() - 1;
  for (size_t pos = hash & mask;; pos = (pos + 1) & mask) {
    InternSlot& slot = slots_[pos];
    if (slot.id == 0) {
      slot = {hash, static_cast<uint32_t>(ends_.size())};
      bytes_.append(value);
      ends_.push_back(bytes_.size());
      return slot.id;
    }
    if (slot.hash == hash && (*this)[slot.id] == value) return slot.id;
  }
}

}  // namespace sightline
