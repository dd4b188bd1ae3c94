// Fuzz target: any bytes as a WAL record payload. Decoding must fail cleanly or round-trip.
#include <cstdint>
#include <string>

#include "store/event_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sightline::EventBatch batch;
  if (!sightline::DecodeEventBatch(input, &batch).ok()) return 0;
  std::string encoded;
  sightline::EncodeEventBatch(batch, &encoded);
  sightline::EventBatch again;
  if (!sightline::DecodeEventBatch(encoded, &again).ok()) __builtin_trap();
  if (again.events.size() != batch.events.size() || again.project != batch.project)
    __builtin_trap();
  return 0;
}
