// Fuzz target: any bytes as a serialized DDSketch (sketches are read back from disk). Reading must
// never crash, allocate without bound or read out of bounds; what reads back serializes to a
// sketch that reads back equal, and answers quantiles.
#include <cstdint>
#include <string>
#include <string_view>

#include "store/ddsketch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  sightline::Result<sightline::DDSketch> sketch = sightline::DDSketch::Deserialize(in);
  if (!sketch.ok()) return 0;
  (void)sketch->Quantile(0.75);
  std::string again;
  sketch->Serialize(&again);
  sightline::Result<sightline::DDSketch> back = sightline::DDSketch::Deserialize(again);
  if (!back.ok() || !(*back == *sketch)) __builtin_trap();
  sightline::DDSketch merged;
  if (merged.relative_accuracy() == sketch->relative_accuracy()) (void)merged.Merge(*sketch);
  return 0;
}
