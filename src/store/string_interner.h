// StringInterner: gives each distinct string of a column its dictionary id, the index of the
// string in a dictionary (a std::vector<std::string>) that the caller owns and the interner appends
// to. Id 0 is the empty string, which the dictionary must hold first.
//
// Open addressing over 8-byte slots (the value's 32-bit hash and its id), at most half full, so a
// lookup is one hash of the value (XXH3), a probe or two and one compare with the dictionary's
// copy; no string is stored twice. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sightline {

class StringInterner {
 public:
  // The id of `value` in `dict`, appending it when new. `dict` must be the same dictionary, grown
  // only by this interner, between calls and since the last Clear().
  uint32_t Intern(std::string_view value, std::vector<std::string>* dict);
  // Forgets every value (the dictionary is the caller's to clear).
  void Clear();

 private:
  struct Slot {
    uint32_t hash;
    uint32_t id;  // 0: empty (the empty string is never in the table)
  };
  void Grow();

  std::vector<Slot> slots_;  // a power of two in size, or empty
  size_t used_ = 0;
};

}  // namespace sightline
