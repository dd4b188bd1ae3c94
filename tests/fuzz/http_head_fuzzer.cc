// Fuzz target: any bytes as the head of a request the HTTP parser refused, peeked at for its
// route and Origin. Peeking must never crash or read out of bounds, and what it returns views the
// input.
#include <cstdint>
#include <string_view>

#include "ingest/request_head.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const sightline::RequestHead head = sightline::PeekRequestHead(raw);
  for (std::string_view part : {head.target, head.origin, head.content_type}) {
    if (!part.empty() &&
        (part.data() < raw.data() || part.data() + part.size() > raw.data() + size)) {
      __builtin_trap();
    }
    if (part.find("\r\n") != std::string_view::npos) __builtin_trap();
  }
  return 0;
}
