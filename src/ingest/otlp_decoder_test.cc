#include "ingest/otlp_decoder.h"

#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace sightline {
namespace {

namespace collector_pb = opentelemetry::proto::collector::trace::v1;
namespace trace_pb = opentelemetry::proto::trace::v1;

constexpr int64_t kNowMs = 1780000000000;
constexpr uint64_t kStartNs = uint64_t{kNowMs - 5000} * 1000000 + 123456;

std::string Bytes(std::string_view hex) {
  std::string out;
  for (size_t k = 0; k + 1 < hex.size(); k += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(k, 2)), nullptr, 16)));
  }
  return out;
}

void AddString(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* kvs,
               std::string key, std::string value) {
  auto* kv = kvs->Add();
  kv->set_key(std::move(key));
  kv->mutable_value()->set_string_value(std::move(value));
}

collector_pb::ExportTraceServiceRequest ServerRequest() {
  collector_pb::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  AddString(rs->mutable_resource()->mutable_attributes(), "service.name", "checkout-api");
  AddString(rs->mutable_resource()->mutable_attributes(), "service.version", "2.4.1");
  AddString(rs->mutable_resource()->mutable_attributes(), "telemetry.sdk.language", "nodejs");
  auto* span = rs->add_scope_spans()->add_spans();
  span->set_trace_id(Bytes("4bf92f3577b34da6a3ce929d0e0e4736"));
  span->set_span_id(Bytes("00f067aa0ba902b7"));
  span->set_parent_span_id(Bytes("53995c3f42cd8ad8"));
  span->set_name("GET /api/checkout/:id");
  span->set_kind(trace_pb::Span::SPAN_KIND_SERVER);
  span->set_start_time_unix_nano(kStartNs);
  span->set_end_time_unix_nano(kStartNs + 48500000);
  AddString(span->mutable_attributes(), "http.request.method", "GET");
  AddString(span->mutable_attributes(), "http.route", "/api/checkout/:id");
  AddString(span->mutable_attributes(), "url.path", "/api/checkout/42");
  AddString(span->mutable_attributes(), "url.query", "email=ann@example.com");
  AddString(span->mutable_attributes(), "url.scheme", "https");
  AddString(span->mutable_attributes(), "server.address", "shop.example");
  AddString(span->mutable_attributes(), "client.address", "203.0.113.9");
  AddString(span->mutable_attributes(), "user_agent.original", "Mozilla/5.0");
  auto* status_code = span->add_attributes();
  status_code->set_key("http.response.status_code");
  status_code->mutable_value()->set_int_value(503);
  span->mutable_status()->set_code(trace_pb::Status::STATUS_CODE_ERROR);
  auto* exception = span->add_events();
  exception->set_name("exception");
  AddString(exception->mutable_attributes(), "exception.type", "TimeoutError");
  AddString(exception->mutable_attributes(), "exception.message", "inventory timed out");
  return request;
}

TEST(OtlpDecoderTest, ProtobufSpanBecomesASpanEventWithItsKeyAttributes) {
  OtlpTraceDecoder decoder{LimitsConfig{}};
  DecodedSpans out;
  std::string body = ServerRequest().SerializeAsString();
  ASSERT_FALSE(decoder.Decode(body, OtlpEncoding::kProtobuf, kNowMs, &out));
  ASSERT_EQ(out.spans.size(), 1u);
  EXPECT_EQ(out.rejected, 0);
  const Event& e = out.spans[0];
  EXPECT_EQ(e.type, "span");
  EXPECT_EQ(e.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(e.span_id, "00f067aa0ba902b7");
  EXPECT_EQ(e.parent_span_id, "53995c3f42cd8ad8");
  EXPECT_EQ(e.name, "GET /api/checkout/:id");
  EXPECT_EQ(e.kind, "server");
  EXPECT_EQ(e.service, "checkout-api");
  EXPECT_EQ(e.release, "2.4.1");
  EXPECT_EQ(e.start_ns, static_cast<int64_t>(kStartNs));
  EXPECT_EQ(e.ts, kNowMs - 5000);
  EXPECT_DOUBLE_EQ(e.duration, 48.5);
  EXPECT_EQ(e.method, "GET");
  EXPECT_EQ(e.status, 503);
  EXPECT_EQ(e.request_route, "/api/checkout/:id");
  EXPECT_EQ(e.request_url, "https://shop.example/api/checkout/42");
  EXPECT_EQ(e.span_status, "error");
  EXPECT_EQ(e.message, "inventory timed out");
  EXPECT_EQ(out.browser, std::vector<uint8_t>{0});
  // The client's address, its User-Agent and the query string are not kept.
  EXPECT_EQ(e.attributes.find("203.0.113.9"), std::string::npos) << e.attributes;
  EXPECT_EQ(e.attributes.find("Mozilla"), std::string::npos) << e.attributes;
  EXPECT_EQ(e.attributes.find("ann@example.com"), std::string::npos) << e.attributes;
  EXPECT_NE(e.attributes.find("\"exception.type\":\"TimeoutError\""), std::string::npos)
      << e.attributes;
  EXPECT_NE(e.attributes.find("\"telemetry.sdk.language\":\"nodejs\""), std::string::npos);
}

TEST(OtlpDecoderTest, JsonEncodingGivesTheSameSpans) {
  const std::string json = R"({"resourceSpans":[{"resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"checkout-api"}},
      {"key":"service.version","value":{"stringValue":"2.4.1"}},
      {"key":"telemetry.sdk.language","value":{"stringValue":"nodejs"}}]},
    "scopeSpans":[{"scope":{"name":"@opentelemetry/instrumentation-http"},"spans":[{
      "traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","spanId":"00f067aa0ba902b7",
      "parentSpanId":"53995c3f42cd8ad8","name":"GET /api/checkout/:id","kind":2,
      "startTimeUnixNano":")" +
                           std::to_string(kStartNs) + R"(","endTimeUnixNano":)" +
                           std::to_string(kStartNs + 48500000) +
                           R"(,
      "attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}},
        {"key":"http.route","value":{"stringValue":"/api/checkout/:id"}},
        {"key":"url.path","value":{"stringValue":"/api/checkout/42"}},
        {"key":"url.query","value":{"stringValue":"email=ann@example.com"}},
        {"key":"url.scheme","value":{"stringValue":"https"}},
        {"key":"server.address","value":{"stringValue":"shop.example"}},
        {"key":"client.address","value":{"stringValue":"203.0.113.9"}},
        {"key":"user_agent.original","value":{"stringValue":"Mozilla/5.0"}},
        {"key":"http.response.status_code","value":{"intValue":"503"}}],
      "events":[{"name":"exception","timeUnixNano":"1","attributes":[
        {"key":"exception.type","value":{"stringValue":"TimeoutError"}},
        {"key":"exception.message","value":{"stringValue":"inventory timed out"}}]}],
      "status":{"code":"STATUS_CODE_ERROR"}, "somethingNew": {"x": 1}}]}]}]})";
  OtlpTraceDecoder decoder{LimitsConfig{}};
  DecodedSpans from_json, from_proto;
  ASSERT_FALSE(decoder.Decode(json, OtlpEncoding::kJson, kNowMs, &from_json));
  ASSERT_FALSE(decoder.Decode(ServerRequest().SerializeAsString(), OtlpEncoding::kProtobuf, kNowMs,
                              &from_proto));
  ASSERT_EQ(from_json.spans.size(), 1u);
  const Event& a = from_json.spans[0];
  const Event& b = from_proto.spans[0];
  EXPECT_EQ(a.trace_id, b.trace_id);
  EXPECT_EQ(a.span_id, b.span_id);
  EXPECT_EQ(a.parent_span_id, b.parent_span_id);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.start_ns, b.start_ns);
  EXPECT_EQ(a.duration, b.duration);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.span_status, b.span_status);
  EXPECT_EQ(a.request_url, b.request_url);
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_EQ(a.message, b.message);
}

TEST(OtlpDecoderTest, ABadSpanIsRejectedAloneAndNamed) {
  const std::string good =
      R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",
      "name":"ok","startTimeUnixNano":")" +
      std::to_string(kStartNs) + R"(","endTimeUnixNano":")" + std::to_string(kStartNs + 1000) +
      R"("})";
  const std::string json =
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + good +
      R"(,{"traceId":"xyz","spanId":"00f067aa0ba902b7"},)" +
      R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","startTimeUnixNano":"5","endTimeUnixNano":"6"},)" +
      good + "]}]}]}";
  OtlpTraceDecoder decoder{LimitsConfig{}};
  DecodedSpans out;
  ASSERT_FALSE(decoder.Decode(json, OtlpEncoding::kJson, kNowMs, &out));
  EXPECT_EQ(out.spans.size(), 2u);
  EXPECT_EQ(out.rejected, 2);
  EXPECT_EQ(out.rejection,
            "resourceSpans[0].scopeSpans[0].spans[1].traceId: must be hex digits, "
            "got an odd count");
}

TEST(OtlpDecoderTest, ProtobufSpansWithBadIdsOrTimesAreRejected) {
  collector_pb::ExportTraceServiceRequest request = ServerRequest();
  auto* spans = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
  trace_pb::Span base = spans->Get(0);
  auto add = [&](auto change) {
    trace_pb::Span span = base;
    change(&span);
    *spans->Add() = span;
  };
  add([](trace_pb::Span* s) { s->set_trace_id(std::string(16, '\0')); });
  add([](trace_pb::Span* s) { s->set_span_id("abc"); });
  add([](trace_pb::Span* s) { s->set_parent_span_id("abc"); });
  add([](trace_pb::Span* s) { s->set_end_time_unix_nano(s->start_time_unix_nano() - 1); });
  add([](trace_pb::Span* s) { s->set_start_time_unix_nano(0); });
  add([](trace_pb::Span* s) {  // two days long
    s->set_end_time_unix_nano(s->start_time_unix_nano() + uint64_t{2 * 86400} * 1000000000);
  });
  add([](trace_pb::Span* s) {  // two days old
    s->set_start_time_unix_nano(uint64_t{kNowMs - 2 * 86400000} * 1000000);
  });
  OtlpTraceDecoder decoder{LimitsConfig{}};
  DecodedSpans out;
  ASSERT_FALSE(decoder.Decode(request.SerializeAsString(), OtlpEncoding::kProtobuf, kNowMs, &out));
  EXPECT_EQ(out.spans.size(), 1u);
  EXPECT_EQ(out.rejected, 7);
  EXPECT_EQ(out.rejection,
            "resourceSpans[0].scopeSpans[0].spans[1].traceId: must be 16 bytes (32 hex digits), "
            "not all zero");
}

TEST(OtlpDecoderTest, AParentOfZerosIsNoParent) {
  collector_pb::ExportTraceServiceRequest request = ServerRequest();
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_parent_span_id(
      std::string(8, '\0'));
  OtlpTraceDecoder decoder{LimitsConfig{}};
  DecodedSpans out;
  ASSERT_FALSE(decoder.Decode(request.SerializeAsString(), OtlpEncoding::kProtobuf, kNowMs, &out));
  ASSERT_EQ(out.spans.size(), 1u);
  EXPECT_EQ(out.spans[0].parent_span_id, "");
}

TEST(OtlpDecoderTest, WholeBodyErrors) {
  OtlpTraceDecoder decoder{LimitsConfig{}};
  DecodedSpans out;
  auto error = decoder.Decode("\xff\xff\xff garbage", OtlpEncoding::kProtobuf, kNowMs, &out);
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason.find("protobuf"), std::string::npos);
  error = decoder.Decode("{\"resourceSpans\": [", OtlpEncoding::kJson, kNowMs, &out);
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason.find("not JSON"), std::string::npos);
  error = decoder.Decode("{\"resourceSpans\": {}}", OtlpEncoding::kJson, kNowMs, &out);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->field, "resourceSpans");
  error = decoder.Decode(R"({"resourceSpans":[{"resource":{"attributes":[7]}}]})",
                         OtlpEncoding::kJson, kNowMs, &out);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->field, "resourceSpans[0].resource.attributes[]");
  EXPECT_EQ(error->reason, "must be a KeyValue object");
  // An empty request is valid: nothing to store.
  EXPECT_FALSE(decoder.Decode("{}", OtlpEncoding::kJson, kNowMs, &out));
  EXPECT_FALSE(decoder.Decode("", OtlpEncoding::kProtobuf, kNowMs, &out));
  EXPECT_TRUE(out.spans.empty());
}

// More spans than limits.max_spans_per_export, over two resources and scopes: refused whole with
// 413 before decoding; exactly the limit is decoded.
TEST(OtlpDecoderTest, AnExportOfTooManySpansIsRefusedWhole) {
  LimitsConfig limits;
  limits.max_spans_per_export = 5;
  OtlpTraceDecoder decoder{limits};
  auto export_of = [](int spans) {
    collector_pb::ExportTraceServiceRequest request = ServerRequest();
    const trace_pb::Span first = request.resource_spans(0).scope_spans(0).spans(0);
    auto* second_scope = request.add_resource_spans()->add_scope_spans();
    for (int k = 1; k < spans; ++k) *second_scope->add_spans() = first;
    return request;
  };
  DecodedSpans out;
  auto error =
      decoder.Decode(export_of(6).SerializeAsString(), OtlpEncoding::kProtobuf, kNowMs, &out);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->http_status, 413u);
  EXPECT_EQ(error->field, "spans");
  EXPECT_NE(error->reason.find("limits.max_spans_per_export (5)"), std::string::npos);
  EXPECT_FALSE(
      decoder.Decode(export_of(5).SerializeAsString(), OtlpEncoding::kProtobuf, kNowMs, &out));
  EXPECT_EQ(out.spans.size(), 5u);

  std::string json = R"({"resourceSpans":[{"scopeSpans":[{"spans":[)";
  for (int k = 0; k < 6; ++k) json += std::string(k ? "," : "") + "{}";
  json += "]}]}]}";
  error = decoder.Decode(json, OtlpEncoding::kJson, kNowMs, &out);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->http_status, 413u);
}

TEST(OtlpDecoderTest, ABrowsersHttpCallIsAnApiCallStampedWithItsEnd) {
  collector_pb::ExportTraceServiceRequest request = ServerRequest();
  auto* rs = request.mutable_resource_spans(0);
  rs->mutable_resource()->mutable_attributes(2)->mutable_value()->set_string_value("webjs");
  auto* fetch = rs->mutable_scope_spans(0)->mutable_spans(0);
  fetch->set_kind(trace_pb::Span::SPAN_KIND_CLIENT);
  fetch->clear_attributes();
  AddString(fetch->mutable_attributes(), "http.method", "POST");
  AddString(fetch->mutable_attributes(), "http.url", "https://api.shop.example/v1/cart?id=7");
  auto* document = rs->mutable_scope_spans(0)->add_spans();
  *document = *fetch;
  document->set_name("documentLoad");
  document->set_kind(trace_pb::Span::SPAN_KIND_INTERNAL);
  document->set_span_id(Bytes("1111111111111111"));
  OtlpTraceDecoder decoder{LimitsConfig{}};
  DecodedSpans out;
  ASSERT_FALSE(decoder.Decode(request.SerializeAsString(), OtlpEncoding::kProtobuf, kNowMs, &out));
  ASSERT_EQ(out.spans.size(), 2u);
  const Event& call = out.spans[0];
  EXPECT_EQ(call.type, "api_call");
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.request_url, "https://api.shop.example/v1/cart");
  EXPECT_EQ(call.ts, static_cast<int64_t>((kStartNs + 48500000) / 1000000));
  EXPECT_EQ(call.start_ns, static_cast<int64_t>(kStartNs));
  EXPECT_EQ(call.parent_span_id, "53995c3f42cd8ad8");
  EXPECT_EQ(out.spans[1].type, "span");
  EXPECT_EQ(out.spans[1].ts, kNowMs - 5000);
}

TEST(OtlpDecoderTest, BrowserSpansAreMarkedAndLongAttributesStayWithinTheLimit) {
  LimitsConfig limits;
  limits.max_text_bytes = 300;
  collector_pb::ExportTraceServiceRequest request = ServerRequest();
  auto* resource = request.mutable_resource_spans(0)->mutable_resource();
  resource->mutable_attributes(2)->mutable_value()->set_string_value("webjs");
  auto* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  for (int k = 0; k < 20; ++k) {
    AddString(span->mutable_attributes(), "app.note." + std::to_string(k), std::string(40, 'x'));
  }
  OtlpTraceDecoder decoder{limits};
  DecodedSpans out;
  ASSERT_FALSE(decoder.Decode(request.SerializeAsString(), OtlpEncoding::kProtobuf, kNowMs, &out));
  ASSERT_EQ(out.spans.size(), 1u);
  EXPECT_EQ(out.browser, std::vector<uint8_t>{1});
  EXPECT_LE(out.spans[0].attributes.size(), 300u);
  EXPECT_EQ(out.spans[0].attributes.front(), '{');
  EXPECT_EQ(out.spans[0].attributes.back(), '}');
  EXPECT_EQ(out.spans[0].truncated, 1);
  EXPECT_EQ(out.truncated, 1);
}

}  // namespace
}  // namespace sightline
