// BeaconJson: the compact-JSON builder of BeaconGenerator's hot path, with common/JsonWriter's
// interface.
//
// Why not JsonWriter: it escapes strings character by character, which made up over half of the
// cost of a beacon (~13 µs for 2 KB) and capped `sightline loadgen` below what the collector can
// take. Here output goes through a raw pointer into a buffer grown ahead of need, a string that
// needs no escaping (all of the generator's) is copied in one piece, keys are trusted literals
// (never escaped), and the comma state is a bit per nesting level.
// Nesting deeper than 31 levels is a programmer error. Not thread-safe.
#pragma once

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/json_writer.h"

namespace sightline::beacon {

class BeaconJson {
 public:
  explicit BeaconJson(size_t reserve) { Grow(reserve); }

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  // `key` must not need escaping (the generator's keys are literals).
  void Key(std::string_view key) {
    Separate();
    Reserve(key.size() + 3);
    *pos_++ = '"';
    Copy(key);
    *pos_++ = '"';
    *pos_++ = ':';
    after_key_ = true;
  }
  void String(std::string_view value) {
    BeforeValue();
    if (NeedsEscape(value)) {
      std::string escaped;
      AppendJsonString(&escaped, value);
      Reserve(escaped.size());
      Copy(escaped);
      return;
    }
    Reserve(value.size() + 2);
    *pos_++ = '"';
    Copy(value);
    *pos_++ = '"';
  }
  void Int(int64_t value) {
    BeforeValue();
    Reserve(24);
    pos_ = std::to_chars(pos_, pos_ + 24, value).ptr;
  }
  void Double(double value) {  // shortest round-trip form; non-finite as null
    BeforeValue();
    Reserve(32);
    if (!std::isfinite(value)) return Copy("null");
    pos_ = std::to_chars(pos_, pos_ + 32, value).ptr;
  }
  void Bool(bool value) {
    BeforeValue();
    Reserve(5);
    Copy(value ? "true" : "false");
  }
  std::string Take() {
    out_.resize(pos_ - out_.data());
    pos_ = end_ = nullptr;
    return std::move(out_);
  }

 private:
  static bool NeedsEscape(std::string_view s) {
    for (char c : s) {
      if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') return true;
    }
    return false;
  }
  void Reserve(size_t n) {
    if (static_cast<size_t>(end_ - pos_) < n) Grow(n);
  }
  void Grow(size_t n) {  // O(size), amortised by doubling
    size_t used = pos_ ? static_cast<size_t>(pos_ - out_.data()) : 0;
    out_.resize(std::max(2 * out_.size(), used + n));
    pos_ = out_.data() + used;
    end_ = out_.data() + out_.size();
  }
  void Copy(std::string_view s) {  // after Reserve(s.size())
    std::memcpy(pos_, s.data(), s.size());
    pos_ += s.size();
  }
  void Open(char bracket) {
    BeforeValue();
    Reserve(1);
    *pos_++ = bracket;
    ++depth_;
    assert(depth_ < 32 && "BeaconJson nests at most 31 levels");
    has_items_ &= ~(1u << depth_);
  }
  void Close(char bracket) {
    Reserve(1);
    *pos_++ = bracket;
    --depth_;
  }
  void BeforeValue() {
    if (after_key_) {
      after_key_ = false;
    } else {
      Separate();
    }
  }
  void Separate() {  // a comma before every item but the first of its array or object
    if (depth_ == 0) return;
    if (has_items_ & (1u << depth_)) {
      Reserve(1);
      *pos_++ = ',';
    }
    has_items_ |= 1u << depth_;
  }

  std::string out_;  // [data, pos_) is written, [pos_, end_) is room
  char* pos_ = nullptr;
  char* end_ = nullptr;
  uint32_t has_items_ = 0;  // bit d: the open array or object at depth d has an item
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace sightline::beacon
