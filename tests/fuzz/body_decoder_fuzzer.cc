// Fuzz target: any bytes as a request body, with any Content-Encoding the first byte picks.
// Decoding must never crash, never read out of bounds, and never hand back more than the cap:
// gzip bombs stop at max_bytes.
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/body_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr std::string_view kEncodings[] = {"", "identity", "gzip", "GZIP", "br", "x"};
  const std::string_view encoding = kEncodings[data[0] % std::size(kEncodings)];
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr size_t kCap = 64 * 1024;
  std::string scratch;
  std::string_view decoded;
  if (sightline::DecodeBody(encoding, body, kCap, &scratch, &decoded) ==
          sightline::DecodeOutcome::kOk &&
      decoded.size() > kCap) {
    __builtin_trap();
  }
  return 0;
}
