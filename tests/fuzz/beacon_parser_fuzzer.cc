// Fuzz target: any bytes as a beacon body, plain and as a gzip stream. The parser must never
// crash, leak or read out of bounds, every accepted event must satisfy the documented limits, and
// the WAL encoding of the accepted events must decode to the same events, context included.
#include <cassert>
#include <cmath>
#include <cstdint>
#include <string>

#include "common/config.h"
#include "ingest/beacon_parser.h"
#include "ingest/body_decoder.h"
#include "ingest/event_reader.h"
#include "store/event_codec.h"

namespace {

bool Same(int64_t a, int64_t b) { return a == b; }
bool Same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }
bool Same(const std::string& a, const std::string& b) { return a == b; }

bool SameEvent(const sightline::Event& a, const sightline::Event& b) {
  bool same = true;
#define SL_SAME(member, kind) same = same && Same(a.member, b.member);
  SIGHTLINE_EVENT_COLUMNS(SL_SAME)
#undef SL_SAME
  return same;
}

void CheckInvariants(const sightline::ParsedBeacon& out, const sightline::LimitsConfig& limits,
                     int64_t now) {
  std::string encoded;
  sightline::EncodeEventBatch(out.batch, &encoded);
  sightline::EventBatch decoded;
  if (!sightline::DecodeEventBatch(encoded, &decoded).ok()) __builtin_trap();
  if (decoded.events.size() != out.batch.events.size()) __builtin_trap();
  for (size_t idx = 0; idx < out.batch.events.size(); ++idx) {
    // An event never holds a value of its own for a column it inherits.
    const sightline::Event& raw = out.batch.events[idx];
    if ((sightline::NonNullColumns(raw) & raw.inherited) != 0) __builtin_trap();
    if ((sightline::NonNullColumns(raw) & sightline::NonNullColumns(out.batch.context) &
         ~sightline::kOverridableContextColumns) != 0) {
      __builtin_trap();
    }
    const sightline::Event e = sightline::ResolvedEvent(out.batch, idx);
    if (!SameEvent(e, decoded.events[idx])) __builtin_trap();
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
