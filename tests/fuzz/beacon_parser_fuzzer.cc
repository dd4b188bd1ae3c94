// Fuzz target: any bytes as a beacon body, plain and as a gzip stream. The parser must never
// crash, leak or read out of bounds, and every accepted event must satisfy the documented limits.
#include <cassert>
#include <cmath>
#include <cstdint>
#include <string>

#include "common/config.h"
#include "ingest/beacon_parser.h"
#include "ingest/body_decoder.h"

namespace {

void CheckInvariants(const sightline::ParsedBeacon& out, const sightline::LimitsConfig& limits,
                     int64_t now) {
  for (const sightline::Event& e : out.batch.events) {
    if (e.ts < now - int64_t{limits.max_event_age_s} * 1000 ||
        e.ts > now + int64_t{limits.max_event_future_s} * 1000) {
      __builtin_trap();
    }
    if (!(e.sample_rate > 0 && e.sample_rate <= 1)) __builtin_trap();
    if (e.message.size() > limits.max_string_bytes || e.stack.size() > limits.max_text_bytes) {
      __builtin_trap();
    }
    if (e.type == "vital" && (!std::isfinite(e.value) || e.value < 0)) __builtin_trap();
    if (e.consent == "minimal" && (!e.session_id.empty() || !e.user_id.empty())) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sightline::LimitsConfig limits;
  static sightline::BeaconParser parser(limits);
  constexpr int64_t kNow = 1795806000000;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sightline::ParsedBeacon out;
  if (!parser.Parse(input, kNow, &out)) CheckInvariants(out, limits, kNow);
  std::string scratch;
  std::string_view inflated;
  if (sightline::DecodeBody("gzip", input, limits.max_inflated_bytes, &scratch, &inflated) ==
      sightline::DecodeOutcome::kOk) {
    sightline::ParsedBeacon gz;
    if (!parser.Parse(inflated, kNow, &gz)) CheckInvariants(gz, limits, kNow);
  }
  return 0;
}
