// Fuzz target: any bytes as a WAL record payload. Decoding must fail cleanly or round-trip, and
// both decoders must agree.
#include <cstdint>
#include <string>

#include "store/event_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sightline::EventBatch batch;
  bool decoded = sightline::DecodeEventBatch(input, &batch).ok();
  // The column decoder accepts exactly what the event decoder accepts, row for row.
  sightline::ColumnBatchBuilder builder;
  bool decoded_into = sightline::DecodeEventBatchInto(input, [&](std::string_view, int64_t) {
                        return &builder;
                      }).ok();
  if (decoded != decoded_into) __builtin_trap();
  if (!decoded) return 0;
  if (builder.rows() != batch.events.size()) __builtin_trap();
  std::string encoded;
  sightline::EncodeEventBatch(batch, &encoded);
  sightline::EventBatch again;
  if (!sightline::DecodeEventBatch(encoded, &again).ok()) __builtin_trap();
  if (again.events.size() != batch.events.size() || again.project != batch.project)
    __builtin_trap();
  return 0;
}
