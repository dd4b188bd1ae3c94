// OtlpTraceDecoder: turns the body of an OTLP/HTTP trace export (ExportTraceServiceRequest, as
// protobuf or in OTLP's JSON encoding) into span Events (type "span"; docs/tracing.md).
//
// Validation is per span: a span without a valid trace or span id, with a bad parent id, without
// a start, ending before it starts, or outside the accepted time window (limits.max_event_age_s,
// limits.max_event_future_s) is rejected alone and counted, with the first reason kept for the
// partial-success answer; its neighbours are kept. Only a body that is not an export request at
// all fails the whole request.
//
// JSON per the OTLP specification: lowerCamelCase keys (the proto's snake_case names are
// accepted too), trace and span ids as hex, 64-bit integers as strings or numbers, enums as
// integers or their names, unknown fields ignored.
//
// A browser's HTTP call (a client span with a URL, from a resource whose telemetry.sdk.language
// is "webjs" or in a request a web page sent) becomes an `api_call` event, stamped with its end as
// the agent's calls are, so that the API views count it; every other span is a `span` event stamped
// with its start.
//
// What is kept of a span: ids, name, kind, times, status, the resource's service.name,
// service.version and deployment environment, and its attributes (http.request.method,
// http.response.status_code, http.route and url.full into their columns; the rest as a JSON
// object, with exception events' type and message). Attributes that hold the client's address or
// User-Agent are dropped; the query string of URLs is dropped. Free text is not scrubbed here:
// the enricher does that, as for every event.
//
// An export of more spans than limits.max_spans_per_export is refused whole (413) before any span
// is decoded: protobuf spans are counted on the wire first. The decoded message is reused from
// export to export, but not after a large one, so a thread keeps the memory of at most
// kReusedSpans spans.
//
// Not thread-safe: it reuses its buffers; use one per thread.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/event.h"

namespace opentelemetry::proto::collector::trace::v1 {
class ExportTraceServiceRequest;
}  // namespace opentelemetry::proto::collector::trace::v1

namespace sightline {

enum class OtlpEncoding { kProtobuf, kJson };

// A body that is not an export request at all.
struct OtlpError {
  std::string field;  // "" when about the whole body
  std::string reason;
  unsigned http_status = 400;  // 413 for more spans than limits.max_spans_per_export
};

struct DecodedSpans {
  std::vector<Event> spans;
  // browser[i]: spans[i] was exported by a browser (resource telemetry.sdk.language "webjs", or
  // the request came from a page), so the request's User-Agent and address describe its visitor.
  std::vector<uint8_t> browser;
  int64_t rejected = 0;
  std::string rejection;  // the first rejected span's field path and reason
  int64_t truncated = 0;  // spans with a text field cut to its limit

  void Clear() {
    spans.clear();
    browser.clear();
    rejected = 0;
    rejection.clear();
    truncated = 0;
  }
};

class OtlpTraceDecoder {
 public:
  explicit OtlpTraceDecoder(const LimitsConfig& limits);
  ~OtlpTraceDecoder();
  OtlpTraceDecoder(const OtlpTraceDecoder&) = delete;
  OtlpTraceDecoder& operator=(const OtlpTraceDecoder&) = delete;

  // Decodes `body` (already inflated) into `out` (cleared first). `now_ms` anchors the time
  // window. `from_browser`: the request came from a web page (it had an Origin), so its spans
  // are a browser's whatever their resource says. Returns an error only when the body as a whole
  // is unusable.
  std::optional<OtlpError> Decode(std::string_view body, OtlpEncoding encoding, int64_t now_ms,
                                  DecodedSpans* out, bool from_browser = false);

 private:
  using Request = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

  // JSON into request_; spans that fail to read are counted in `out` and left out.
  std::optional<OtlpError> ReadJson(std::string_view body, DecodedSpans* out);
  void Convert(int64_t now_ms, bool from_browser, DecodedSpans* out);
  OtlpError TooManySpans() const;
  void ReleaseLargeRequest();

  LimitsConfig limits_;
  // Spans whose decoded messages request_ keeps for the next export; beyond, it is replaced.
  static constexpr int kReusedSpans = 1024;
  std::unique_ptr<Request> request_;
  simdjson::dom::parser json_;
  std::string padded_;  // the JSON body with simdjson's padding
};

// Lowercase hex of `bytes`.
std::string HexOf(std::string_view bytes);

}  // namespace sightline
