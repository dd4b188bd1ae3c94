// Micro-benchmarks of the OTLP trace decoder on an export shaped like a Node.js SDK's batch: 512
// spans (an HTTP server span, middleware spans, client and database spans) of 64 traces, each with
// the semantic-convention attributes those instrumentations set. What POST /v1/traces pays per
// export in protobuf (BM_DecodeProtobuf, against protobuf's own parse of the same bytes as its
// floor: BM_ProtobufParseOnly) and in JSON (BM_DecodeJson, against the bare simdjson parse:
// BM_JsonParseOnly). Items per second are spans per second.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <random>
#include <string>

#include "common/json_writer.h"
#include "ingest/otlp_decoder.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace sightline {
namespace {

namespace collector_pb = opentelemetry::proto::collector::trace::v1;
namespace common_pb = opentelemetry::proto::common::v1;

constexpr int64_t kNowMs = 1795806000000;
constexpr int kSpans = 512;

struct Attribute {
  std::string key, text;
  int64_t number = -1;  // an intValue when >= 0
};

struct SpanSpec {
  std::string trace_id, span_id, parent, name;
  int kind;
  uint64_t start, end;
  std::vector<Attribute> attributes;
};

std::vector<SpanSpec> Spans() {
  std::mt19937_64 rng(7);
  auto bytes = [&](size_t n) {
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(rng() & 0xff);
    return out;
  };
  std::vector<SpanSpec> spans;
  const uint64_t base = uint64_t{kNowMs - 60000} * 1000000;
  while (spans.size() < kSpans) {
    const std::string trace = bytes(16);
    const std::string server = bytes(8);
    const uint64_t start = base + (rng() % 50000000000ull);
    spans.push_back({trace,
                     server,
                     bytes(8),
                     "GET /api/checkout/:id",
                     2,
                     start,
                     start + 48000000,
                     {{"http.request.method", "GET"},
                      {"http.route", "/api/checkout/:id"},
                      {"url.path", "/api/checkout/42"},
                      {"url.scheme", "http"},
                      {"server.address", "checkout.internal"},
                      {"server.port", "", 8080},
                      {"http.response.status_code", "", 200},
                      {"network.protocol.version", "1.1"},
                      {"client.address", "10.1.2.3"},
                      {"user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)"}}});
    for (int m = 0; m < 4; ++m) {
      spans.push_back(
          {trace,
           bytes(8),
           server,
           "middleware - jsonParser",
           1,
           start + 1000000,
           start + 1200000,
           {{"express.name", "jsonParser"}, {"express.type", "middleware"}, {"http.route", "/"}}});
    }
    spans.push_back({trace,
                     bytes(8),
                     server,
                     "GET",
                     3,
                     start + 2000000,
                     start + 30000000,
                     {{"http.request.method", "GET"},
                      {"url.full", "http://inventory.internal:8081/stock/42"},
                      {"server.address", "inventory.internal"},
                      {"http.response.status_code", "", 200}}});
    spans.push_back({trace,
                     bytes(8),
                     server,
                     "pg.query:SELECT",
                     3,
                     start + 31000000,
                     start + 40000000,
                     {{"db.system", "postgresql"},
                      {"db.statement", "SELECT id, total, status FROM orders WHERE id = $1"},
                      {"db.name", "shop"},
                      {"server.address", "db.internal"}}});
    spans.push_back({trace, bytes(8), server, "render", 1, start + 41000000, start + 47000000, {}});
  }
  spans.resize(kSpans);
  return spans;
}

collector_pb::ExportTraceServiceRequest Request() {
  collector_pb::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  for (auto [k, v] :
       {std::pair{"service.name", "checkout-api"}, std::pair{"service.version", "2.4.1"},
        std::pair{"telemetry.sdk.language", "nodejs"}, std::pair{"host.name", "checkout-7d9f"}}) {
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
  auto* scope = rs->add_scope_spans();
  for (const SpanSpec& s : Spans()) {
    auto* span = scope->add_spans();
    span->set_trace_id(s.trace_id);
    span->set_span_id(s.span_id);
    span->set_parent_span_id(s.parent);
    span->set_name(s.name);
    span->set_kind(static_cast<opentelemetry::proto::trace::v1::Span::SpanKind>(s.kind));
    span->set_start_time_unix_nano(s.start);
    span->set_end_time_unix_nano(s.end);
    for (const Attribute& a : s.attributes) {
      auto* kv = span->add_attributes();
      kv->set_key(a.key);
      if (a.number >= 0) {
        kv->mutable_value()->set_int_value(a.number);
      } else {
        kv->mutable_value()->set_string_value(a.text);
      }
    }
  }
  return request;
}

// The same export in OTLP's JSON encoding.
std::string JsonOf(const collector_pb::ExportTraceServiceRequest& request) {
  JsonWriter w;
  auto attributes = [&](const google::protobuf::RepeatedPtrField<common_pb::KeyValue>& kvs) {
    w.Key("attributes");
    w.BeginArray();
    for (const common_pb::KeyValue& kv : kvs) {
      w.BeginObject();
      w.Key("key");
      w.String(kv.key());
      w.Key("value");
      w.BeginObject();
      if (kv.value().has_int_value()) {
        w.Key("intValue");
        w.String(std::to_string(kv.value().int_value()));
      } else {
        w.Key("stringValue");
        w.String(kv.value().string_value());
      }
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
  };
  const auto& rs = request.resource_spans(0);
  w.BeginObject();
  w.Key("resourceSpans");
  w.BeginArray();
  w.BeginObject();
  w.Key("resource");
  w.BeginObject();
  attributes(rs.resource().attributes());
  w.EndObject();
  w.Key("scopeSpans");
  w.BeginArray();
  w.BeginObject();
  w.Key("spans");
  w.BeginArray();
  for (const auto& span : rs.scope_spans(0).spans()) {
    w.BeginObject();
    w.Key("traceId");
    w.String(HexOf(span.trace_id()));
    w.Key("spanId");
    w.String(HexOf(span.span_id()));
    w.Key("parentSpanId");
    w.String(HexOf(span.parent_span_id()));
    w.Key("name");
    w.String(span.name());
    w.Key("kind");
    w.Int(span.kind());
    w.Key("startTimeUnixNano");
    w.String(std::to_string(span.start_time_unix_nano()));
    w.Key("endTimeUnixNano");
    w.String(std::to_string(span.end_time_unix_nano()));
    attributes(span.attributes());
    w.Key("status");
    w.BeginObject();
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return w.Take();
}

const std::string& ProtobufBody() {
  static const std::string body = Request().SerializeAsString();
  return body;
}

const std::string& JsonBody() {
  static const std::string body = JsonOf(Request());
  return body;
}

void Report(benchmark::State& state, size_t bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kSpans);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_DecodeProtobuf(benchmark::State& state) {
  OtlpTraceDecoder decoder{LimitsConfig{}};
  DecodedSpans out;
  for (auto _ : state) {
    if (decoder.Decode(ProtobufBody(), OtlpEncoding::kProtobuf, kNowMs, &out) ||
        out.spans.size() != kSpans) {
      state.SkipWithError("decode failed");
      return;
    }
    benchmark::DoNotOptimize(out.spans.data());
  }
  Report(state, ProtobufBody().size());
}
BENCHMARK(BM_DecodeProtobuf);

void BM_ProtobufParseOnly(benchmark::State& state) {
  collector_pb::ExportTraceServiceRequest request;
  for (auto _ : state) {
    request.Clear();
    if (!request.ParseFromString(ProtobufBody())) {
      state.SkipWithError("parse failed");
      return;
    }
    benchmark::DoNotOptimize(request.resource_spans_size());
  }
  Report(state, ProtobufBody().size());
}
BENCHMARK(BM_ProtobufParseOnly);

void BM_DecodeJson(benchmark::State& state) {
  OtlpTraceDecoder decoder{LimitsConfig{}};
  DecodedSpans out;
  for (auto _ : state) {
    if (decoder.Decode(JsonBody(), OtlpEncoding::kJson, kNowMs, &out) ||
        out.spans.size() != kSpans) {
      state.SkipWithError("decode failed");
      return;
    }
    benchmark::DoNotOptimize(out.spans.data());
  }
  Report(state, JsonBody().size());
}
BENCHMARK(BM_DecodeJson);

void BM_JsonParseOnly(benchmark::State& state) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(JsonBody());
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(padded).get(root)) {
      state.SkipWithError("parse failed");
      return;
    }
    benchmark::DoNotOptimize(root);
  }
  Report(state, JsonBody().size());
}
BENCHMARK(BM_JsonParseOnly);

}  // namespace
}  // namespace sightline

BENCHMARK_MAIN();
