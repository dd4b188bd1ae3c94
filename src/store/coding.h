// Little-endian fixed-width and varint encodings shared by the WAL, segments and the manifest.
//
// Decoders take a string_view by pointer and consume what they read; they return false (never read
// past the end) when the input is too short or malformed, so callers can report Corruption.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sightline {

inline void PutFixed32(std::string* out, uint32_t v) {
  char buf[4];
  std::memcpy(buf, &v, 4);  // the formats are little-endian; so are all supported targets
  out->append(buf, 4);
}

inline void PutFixed64(std::string* out, uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  out->append(buf, 8);
}

// Writes `v` as a varint at `p` (room for kMaxVarint64Bytes) and returns the end.
constexpr size_t kMaxVarint64Bytes = 10;
inline char* EncodeVarint64(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline void PutVarint64(std::string* out, uint64_t v) {
  if (v < 0x80) {  // most values: one byte, no call into the generic append
    out->push_back(static_cast<char>(v));
    return;
  }
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

inline void PutDouble(std::string* out, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutFixed64(out, bits);
}

// A number that is usually a small whole one (a count, a weight): a varint of 2v when v is a
// whole number in [0, 2^52], else the varint 1 and the double's 8 bytes.
inline void PutNumber(std::string* out, double v) {
  if (v >= 0 && v <= 0x1p52 && v == static_cast<double>(static_cast<uint64_t>(v))) {
    PutVarint64(out, static_cast<uint64_t>(v) << 1);
    return;
  }
  PutVarint64(out, 1);
  PutDouble(out, v);
}

inline void PutLengthPrefixed(std::string* out, std::string_view s) {
  PutVarint64(out, s.size());
  out->append(s);
}

inline bool GetFixed32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  std::memcpy(v, in->data(), 4);
  in->remove_prefix(4);
  return true;
}

inline bool GetFixed64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  std::memcpy(v, in->data(), 8);
  in->remove_prefix(8);
  return true;
}

inline bool GetVarint64(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (unsigned shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline bool GetDouble(std::string_view* in, double* v) {
  uint64_t bits;
  if (!GetFixed64(in, &bits)) return false;
  std::memcpy(v, &bits, sizeof bits);
  return true;
}

inline bool GetNumber(std::string_view* in, double* v) {
  uint64_t tag;
  if (!GetVarint64(in, &tag)) return false;
  if (tag == 1) return GetDouble(in, v);
  if (tag & 1) return false;
  *v = static_cast<double>(tag >> 1);
  return true;
}

inline bool GetLengthPrefixed(std::string_view* in, std::string_view* s) {
  uint64_t len;
  if (!GetVarint64(in, &len) || len > in->size()) return false;
  *s = in->substr(0, len);
  in->remove_prefix(len);
  return true;
}

// CRC-32 (zlib's polynomial) of `data`; Crc32Extend continues `crc` over more bytes, so that
// Crc32Extend(Crc32(a), b) == Crc32(a + b).
uint32_t Crc32Extend(uint32_t crc, std::string_view data);
inline uint32_t Crc32(std::string_view data) { return Crc32Extend(0, data); }

}  // namespace sightline
