// Fuzz target: any bytes as the body of POST /v1/traces, the first byte choosing the encoding
// (even: protobuf, odd: JSON), the second whether a page sent it. Decoding must never crash or
// read out of bounds, and every span it keeps has valid ids, a ts that agrees with its start (or
// its end, for a browser's HTTP call), a non-negative duration, and attributes that are a JSON
// object within limits.max_text_bytes.
#include <simdjson.h>

#include <cstdint>
#include <string_view>

#include "ingest/otlp_decoder.h"

namespace {

bool IsLowerHex(std::string_view s, size_t digits) {
  if (s.size() != digits) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sightline::LimitsConfig limits;
  static sightline::OtlpTraceDecoder decoder{limits};
  static simdjson::dom::parser json;
  if (size == 0) return 0;
  const auto encoding =
      data[0] % 2 ? sightline::OtlpEncoding::kJson : sightline::OtlpEncoding::kProtobuf;
  const bool from_browser = data[0] & 2;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  sightline::DecodedSpans out;
  if (decoder.Decode(body, encoding, 1795806000000, &out, from_browser)) return 0;
  if (out.browser.size() != out.spans.size() || out.rejected < 0) __builtin_trap();
  for (size_t k = 0; k < out.spans.size(); ++k) {
    const sightline::Event& span = out.spans[k];
    // A browser's HTTP call is an api_call stamped with its end; every other span, with its start.
    const bool call = span.type == "api_call";
    if (call && (!out.browser[k] || span.kind != "client" || span.request_url.empty())) {
      __builtin_trap();
    }
    if ((!call && span.type != "span") || !IsLowerHex(span.trace_id, 32) ||
        !IsLowerHex(span.span_id, 16)) {
      __builtin_trap();
    }
    if (!span.parent_span_id.empty() && !IsLowerHex(span.parent_span_id, 16)) __builtin_trap();
    if (!(span.duration >= 0)) __builtin_trap();
    if (call ? span.ts < span.start_ns / 1000000 : span.ts != span.start_ns / 1000000) {
      __builtin_trap();
    }
    if (span.attributes.size() > limits.max_text_bytes) __builtin_trap();
    if (!span.attributes.empty()) {
      simdjson::dom::object object;
      if (json.parse(span.attributes).get(object) != simdjson::SUCCESS) __builtin_trap();
    }
  }
  return 0;
}
