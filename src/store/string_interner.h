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

// A slot of the open-addressing tables below: a value's 32-bit hash and its id (0: empty).
struct InternSlot {
  uint32_t hash;
  uint32_t id;
};

class StringInterner {
 public:
  // The id of `value` in `dict`, appending it when new. `dict` must be the same dictionary, grown
  // only by this interner, between calls and since the last Clear().
  uint32_t Intern(std::string_view value, std::vector<std::string>* dict);
  // Forgets every value (the dictionary is the caller's to clear).
  void Clear();

 private:
  std::vector<InternSlot> slots_;  // a power of two in size, or empty; "" is never in it
  size_t used_ = 0;
};

// InternedStrings: a set of distinct strings with ids (1, 2, ... in order of arrival; 0 is the
// empty string), all kept in one buffer: for millions of short strings (session ids), where a
// std::string each would cost an allocation each. Lookups as StringInterner's. Not thread-safe.
class InternedStrings {
 public:
  // The id of `value`, adding it when new.
  uint32_t Intern(std::string_view value);
  std::string_view operator[](uint32_t id) const {
    return std::string_view(bytes_).substr(ends_[id] - Length(id), Length(id));
  }
  // The number of ids given, the empty string's included.
  size_t size() const { return ends_.size(); }
  // Heap bytes held (capacities).
  size_t HeldBytes() const {
    return slots_.capacity() * sizeof(InternSlot) + bytes_.capacity() +
           ends_.capacity() * sizeof(size_t);
  }

 private:
  size_t Length(uint32_t id) const { return id == 0 ? 0 : ends_[id] - ends_[id - 1]; }

  std::vector<InternSlot> slots_;
  std::string bytes_;
  std::vector<size_t> ends_{0};  // where each id's string ends in bytes_
};

}  // namespace sightline
