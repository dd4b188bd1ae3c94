#include "common/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace sightline {

namespace {

// Whether any of the 8 bytes of `word` needs escaping in JSON: a control character (below 0x20),
// '"' or '\\'. May answer true for a clean word (then the bytes are checked one by one), never
// false for one that needs escaping.
bool MayNeedEscape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighs = 0x8080808080808080;
  auto has_zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighs;
  return (below_space | has_zero_byte(word ^ (kOnes * '"')) |
          has_zero_byte(word ^ (kOnes * '\\'))) != 0;
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t plain_from = 0;  // start of the run of bytes that need no escape, appended in one go
  for (size_t idx = 0; idx < value.size(); ++idx) {
    // Skip clean 8-byte blocks a word at a time.
    while (idx + 8 <= value.size()) {
      uint64_t word;
      std::memcpy(&word, value.data() + idx, 8);
      if (MayNeedEscape(word)) break;
      idx += 8;
    }
    if (idx == value.size()) break;
    const char c = value[idx];
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && c != '"' && c != '\\') continue;
    out->append(value.data() + plain_from, idx - plain_from);
    plain_from = idx + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[u >> 4]);
        out->push_back(kHex[u & 0xf]);
    }
  }
  out->append(value.data() + plain_from, value.size() - plain_from);
  out->push_back('"');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0) {
    const uint64_t bit = uint64_t{1} << (depth_ - 1);
    if (!(first_in_scope_ & bit)) out_.push_back(',');
    first_in_scope_ &= ~bit;
  }
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  first_in_scope_ |= uint64_t{1} << depth_++;
}

void JsonWriter::EndObject() {
  out_.push_back('}');
  --depth_;
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  first_in_scope_ |= uint64_t{1} << depth_++;
}

void JsonWriter::EndArray() {
  out_.push_back(']');
  --depth_;
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(&out_, key);
  out_.push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(&out_, value);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out_.append(buf, res.ptr);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_.append("null");
    return;
  }
  char buf[32];
  // The shortest round-trip form; past 2^53, in scientific notation: a whole number written out
  // in digits past 2^64 (1.5e19 as "27670116110564327424") is one JSON parsers such as simdjson
  // refuse as an integer out of range.
  auto res = std::fabs(value) >= 9007199254740992.0
                 ? std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific)
                 : std::to_chars(buf, buf + sizeof(buf), value);
  out_.append(buf, res.ptr);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
}

void JsonWriter::NumberOrNull(double value) {
  if (std::isfinite(value)) {
    Double(value);
  } else {
    Null();
  }
}

void JsonWriter::StringOrNull(std::string_view value) {
  if (value.empty()) {
    Null();
  } else {
    String(value);
  }
}

void JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_.append(json);
}

}  // namespace sightline
