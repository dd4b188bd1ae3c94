#include "ingest/json_error_locator.h"

#include <charconv>
#include <cstdint>
#include <system_error>

namespace sightline {
namespace {

class Checker {
 public:
  explicit Checker(std::string_view text) : s_(text) {}

  // Returns the error offset or kNoJsonError.
  size_t Run() {
    SkipSpace();
    if (!Value(0)) return pos_;
    SkipSpace();
    return pos_ == s_.size() ? kNoJsonError : pos_;
  }

 private:
  static constexpr int kMaxDepth = 1024;

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r'))
      ++pos_;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) {
      // Point at the first differing character.
      size_t idx = 0;
      while (pos_ + idx < s_.size() && idx < word.size() && s_[pos_ + idx] == word[idx]) ++idx;
      pos_ += idx;
      return false;
    }
    pos_ += word.size();
    return true;
  }
  bool Digits() {
    size_t start = pos_;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    return pos_ > start;
  }
  // A number must also be representable: simdjson refuses doubles that overflow (1e400) and
  // integers beyond 64 bits, so those are errors at the number's first byte.
  bool Number() {
    const size_t start = pos_;
    if (!NumberSyntax()) return false;
    std::string_view text = s_.substr(start, pos_ - start);
    bool integral = text.find_first_of(".eE") == std::string_view::npos;
    bool fits;
    if (integral) {
      int64_t i;
      uint64_t u;
      fits = std::from_chars(text.data(), text.data() + text.size(), i).ec == std::errc() ||
             std::from_chars(text.data(), text.data() + text.size(), u).ec == std::errc();
    } else {
      double d;
      auto res = std::from_chars(text.data(), text.data() + text.size(), d);
      // Underflow (1e-400) parses as zero; only overflow is an error.
      bool underflow =
          res.ec == std::errc::result_out_of_range &&
          (text.find("e-") != std::string_view::npos || text.find("E-") != std::string_view::npos);
      fits = res.ec == std::errc() || underflow;
    }
    if (!fits) pos_ = start;
    return fits;
  }
  bool NumberSyntax() {
    if (Peek() == '-') ++pos_;
    if (AtEnd()) return false;
    if (Peek() == '0') {
      ++pos_;
    } else if (!Digits()) {
      return false;
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (!Digits()) return false;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!Digits()) return false;
    }
    return true;
  }
  bool String() {
    ++pos_;  // opening quote
    while (!AtEnd()) {
      auto c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        ++pos_;
        if (AtEnd()) return false;
        char e = Peek();
        if (e == 'u') {
          for (int idx = 0; idx < 4; ++idx) {
            ++pos_;
            if (AtEnd()) return false;
            char h = Peek();
            bool hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
            if (!hex) return false;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
      ++pos_;
    }
    return false;
  }
  bool Value(int depth) {
    if (AtEnd() || depth > kMaxDepth) return false;
    switch (Peek()) {
      case '{':
        return Object(depth + 1);
      case '[':
        return Array(depth + 1);
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        if (Peek() == '-' || (Peek() >= '0' && Peek() <= '9')) return Number();
        return false;
    }
  }
  bool Object(int depth) {
    ++pos_;
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipSpace();
      if (AtEnd() || Peek() != '"' || !String()) return false;
      SkipSpace();
      if (AtEnd() || Peek() != ':') return false;
      ++pos_;
      SkipSpace();
      if (!Value(depth)) return false;
      SkipSpace();
      if (AtEnd()) return false;
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return false;
      ++pos_;
    }
  }
  bool Array(int depth) {
    ++pos_;
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipSpace();
      if (!Value(depth)) return false;
      SkipSpace();
      if (AtEnd()) return false;
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return false;
      ++pos_;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

size_t LocateJsonSyntaxError(std::string_view text) { return Checker(text).Run(); }

size_t LocateInvalidUtf8(std::string_view text) {
  size_t idx = 0;
  const size_t n = text.size();
  auto byte = [&](size_t at) { return static_cast<uint8_t>(text[at]); };
  while (idx < n) {
    uint8_t c = byte(idx);
    if (c < 0x80) {
      ++idx;
      continue;
    }
    size_t len;
    uint32_t min;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, min = 0x10000, cp = c & 0x07;
    } else {
      return idx;
    }
    if (idx + len > n) return idx;
    for (size_t k = 1; k < len; ++k) {
      if ((byte(idx + k) & 0xc0) != 0x80) return idx;
      cp = (cp << 6) | (byte(idx + k) & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return idx;
    idx += len;
  }
  return kNoJsonError;
}

}  // namespace sightline
