#include "serve/trace_routes.h"

#include "common/json_writer.h"
#include "common/strings.h"
#include "google/rpc/status.pb.h"
#include "ingest/body_decoder.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "serve/http_util.h"

namespace sightline {
namespace {

constexpr int64_t kSweepEveryUs = 10 * 1000 * 1000;
constexpr std::string_view kProtobufType = "application/x-protobuf";
constexpr std::string_view kJsonType = "application/json";

// The gRPC status code OTLP's Status message carries for an HTTP status.
int GrpcCodeOf(unsigned status) {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return 3;  // INVALID_ARGUMENT
    case 401:
      return 16;  // UNAUTHENTICATED
    case 403:
      return 7;  // PERMISSION_DENIED
    case 429:
      return 8;  // RESOURCE_EXHAUSTED
    default:
      return 14;  // UNAVAILABLE
  }
}

}  // namespace

struct TraceRoutes::Lane {
  Lane(Store* store, const LimitsConfig& limits, const EnrichResources& enrich,
       MetricsRegistry* metrics)
      : group(store->NewAppendGroup()), decoder(limits), enricher(enrich, metrics) {}
  std::unique_ptr<AppendGroup> group;
  OtlpTraceDecoder decoder;
  Enricher enricher;
  DecodedSpans decoded;
  std::string inflated;
  EventBatch browser, backend;
  int64_t last_sweep_us = 0;
};

TraceRoutes::TraceRoutes(Env* env, size_t io_threads, Store* store, MetricsRegistry* metrics,
                         const Config& config, TrustedProxies proxies,
                         const EnrichResources& enrich)
    : env_(env),
      store_(store),
      limits_(config.limits),
      admission_(config.projects, config.limits),
      proxies_(std::move(proxies)),
      spans_accepted_(metrics->AddCounter("sightline_spans_total",
                                          "OpenTelemetry spans received, by result",
                                          "result=\"accepted\"")),
      spans_rejected_(metrics->AddCounter("sightline_spans_total",
                                          "OpenTelemetry spans received, by result",
                                          "result=\"rejected\"")),
      requests_accepted_(metrics->AddCounter("sightline_otlp_requests_total",
                                             "OTLP trace exports received, by result",
                                             "result=\"accepted\"")),
      metrics_(metrics) {
  for (unsigned status : {200u, 400u, 401u, 403u, 413u, 415u, 429u, 503u}) {
    metrics->AddCounter("sightline_otlp_requests_total", "OTLP trace exports received, by result",
                        "result=\"" + std::string(IngestResultLabel(status)) + "\"");
  }
  for (size_t idx = 0; idx < io_threads; ++idx) {
    lanes_.push_back(std::make_unique<Lane>(store, config.limits, enrich, metrics));
  }
}

TraceRoutes::~TraceRoutes() = default;

void TraceRoutes::Register(HttpServer* server) {
  server->Handle(
      http::verb::post, "/v1/traces", "otlp_traces",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleExport(req, res); });
  server->Handle(
      http::verb::options, "/v1/traces", "otlp_traces_preflight",
      [this](const HttpRequest& req, HttpResponse* res) { return HandlePreflight(req, res); });
  // Exports are authenticated before their body (up to limits.max_trace_bytes) is read.
  server->LimitBody(http::verb::post, "/v1/traces", limits_.max_trace_bytes,
                    "limits.max_trace_bytes", [this](const HttpRequest& req, HttpResponse* res) {
                      OtlpEncoding encoding;
                      return Admit(req, res, &encoding) != nullptr;
                    });
  server->WriteRefusalsWith(
      http::verb::post, "/v1/traces",
      [this](const Refusal& refusal, HttpResponse* res) { WriteRefusal(refusal, res); });
}

void TraceRoutes::Fail(HttpResponse* res, OtlpEncoding encoding, unsigned status,
                       std::string_view error, std::string_view field, std::string_view reason) {
  std::string message(field);
  if (!field.empty() && !reason.empty()) message += ": ";
  message += reason;
  res->status = status;
  if (encoding == OtlpEncoding::kProtobuf) {
    google::rpc::Status body;
    body.set_code(GrpcCodeOf(status));
    body.set_message(message);
    res->content_type = std::string(kProtobufType);
    res->body = body.SerializeAsString();
  } else {
    JsonWriter w;
    w.BeginObject();
    w.Key("code");
    w.Int(GrpcCodeOf(status));
    w.Key("message");
    w.String(message);
    w.Key("error");
    w.String(error);
    w.Key("field");
    w.String(field);
    w.Key("reason");
    w.String(reason);
    w.EndObject();
    res->content_type = std::string(kJsonType);
    res->body = w.Take();
  }
  metrics_
      ->AddCounter("sightline_otlp_requests_total", "OTLP trace exports received, by result",
                   "result=\"" + std::string(IngestResultLabel(status)) + "\"")
      .Inc();
}

std::optional<OtlpEncoding> EncodingOfType(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (EqualsIgnoreCase(type, kProtobufType)) return OtlpEncoding::kProtobuf;
  if (EqualsIgnoreCase(type, kJsonType)) return OtlpEncoding::kJson;
  return std::nullopt;
}

const ProjectConfig* TraceRoutes::Admit(const HttpRequest& req, HttpResponse* res,
                                        OtlpEncoding* encoding) {
  std::optional<OtlpEncoding> from_type = EncodingOfType(req.header(http::field::content_type));
  if (!from_type) {
    Fail(res, OtlpEncoding::kJson, 415, "unsupported_media_type", "Content-Type",
         "send application/x-protobuf or application/json (OTLP/HTTP)");
    return nullptr;
  }
  *encoding = *from_type;
  const std::string key = IngestKeyOf(req);
  const ProjectConfig* project = key.empty() ? nullptr : admission_.ProjectForKey(key);
  if (project == nullptr) {
    Fail(res, *encoding, 401, "unknown_key", "x-sightline-key",
         key.empty() ? "an ingest key is required (x-sightline-key header or ?key=)"
                     : "no project has this ingest key");
    return nullptr;
  }
  if (!Admission::OriginAllowed(*project, req.header(http::field::origin))) {
    Fail(res, *encoding, 403, "origin_not_allowed", "Origin",
         "this origin is not in the project's allowed_origins");
    return nullptr;
  }
  return project;
}

void TraceRoutes::WriteRefusal(const Refusal& refusal, HttpResponse* res) {
  Fail(res, EncodingOfType(refusal.content_type).value_or(OtlpEncoding::kJson), refusal.status,
       refusal.error, refusal.field, refusal.reason);
  if (!refusal.origin.empty() && admission_.AnyProjectAllows(refusal.origin)) {
    res->allow_origin.assign(refusal.origin);
  }
}

bool TraceRoutes::HandleExport(const HttpRequest& req, HttpResponse* res) {
  Lane& lane = *lanes_[req.io_thread];
  OtlpEncoding encoding;
  const ProjectConfig* project = Admit(req, res, &encoding);
  if (project == nullptr) return true;
  const std::string key = IngestKeyOf(req);
  std::string_view origin = req.header(http::field::origin);
  if (!origin.empty()) res->allow_origin.assign(origin);
  const int64_t now_us = env_->MonotonicMicros();
  if (now_us - lane.last_sweep_us > kSweepEveryUs) {
    admission_.Sweep(now_us);
    lane.last_sweep_us = now_us;
  }
  std::string client_scratch;
  std::string_view client = VisitorAddressOf(req, proxies_, &client_scratch);
  if (int64_t wait_s = admission_.TakeRateToken(client, key, now_us)) {
    Fail(res, encoding, 429, "rate_limited", "", "too many exports; retry after Retry-After");
    res->headers.emplace_back("Retry-After", std::to_string(wait_s));
    return true;
  }

  std::string_view body;
  switch (DecodeBody(req.header(http::field::content_encoding), req.body(), limits_.max_trace_bytes,
                     &lane.inflated, &body)) {
    case DecodeOutcome::kOk:
      break;
    case DecodeOutcome::kUnsupportedEncoding:
      Fail(res, encoding, 415, "unsupported_encoding", "Content-Encoding",
           "send gzip or no encoding");
      return true;
    case DecodeOutcome::kTooLarge:
      Fail(res, encoding, 413, "too_large", "body",
           "decoded body larger than limits.max_trace_bytes (" +
               std::to_string(limits_.max_trace_bytes) + " bytes)");
      return true;
    case DecodeOutcome::kCorrupt:
      Fail(res, encoding, 400, "invalid_gzip", "body", "the gzip stream is corrupt or truncated");
      return true;
  }
  if (auto error = lane.decoder.Decode(body, encoding, env_->NowMillis(), &lane.decoded,
                                       /*from_browser=*/!origin.empty())) {
    Fail(res, encoding, error->http_status,
         error->http_status == 413 ? "too_large" : "invalid_otlp", error->field, error->reason);
    return true;
  }

  // Spans a browser exported describe its visitor, as beacons do; a backend's do not.
  lane.browser.project = lane.backend.project = project->id;
  lane.browser.events.clear();
  lane.backend.events.clear();
  for (size_t k = 0; k < lane.decoded.spans.size(); ++k) {
    (lane.decoded.browser[k] ? lane.browser : lane.backend)
        .events.push_back(std::move(lane.decoded.spans[k]));
  }
  size_t stored = 0;
  if (!lane.browser.events.empty()) {
    Visitor visitor{AddressFromBytes(client),
                    req.header(http::field::user_agent),
                    {req.header(std::string_view("Sec-CH-UA-Mobile")),
                     req.header(std::string_view("Sec-CH-UA-Platform")),
                     req.header(std::string_view("Sec-CH-UA-Platform-Version"))}};
    lane.browser.context = Event();
    if (lane.enricher.Enrich(visitor, *project, &lane.browser)) {
      lane.group->Add(lane.browser);
      stored += lane.browser.events.size();
    }
  }
  if (!lane.backend.events.empty()) {
    lane.backend.context = Event();
    lane.enricher.Enrich(Visitor{}, *project, &lane.backend);
    lane.group->Add(lane.backend);
    stored += lane.backend.events.size();
  }
  if (!lane.group->empty()) {
    if (Status written = store_->Commit(*lane.group); !written.ok()) {
      Fail(res, encoding, 503, "unavailable", "", "the store could not write the spans; retry");
      res->headers.emplace_back("Retry-After", "1");
      return true;
    }
  }
  spans_accepted_.Inc(stored);
  spans_rejected_.Inc(static_cast<uint64_t>(lane.decoded.rejected));
  requests_accepted_.Inc();

  res->status = 200;
  if (encoding == OtlpEncoding::kProtobuf) {
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse answer;
    if (lane.decoded.rejected > 0) {
      answer.mutable_partial_success()->set_rejected_spans(lane.decoded.rejected);
      answer.mutable_partial_success()->set_error_message(lane.decoded.rejection);
    }
    res->content_type = std::string(kProtobufType);
    res->body = answer.SerializeAsString();
    return true;
  }
  JsonWriter w;
  w.BeginObject();
  if (lane.decoded.rejected > 0) {
    // OTLP JSON writes 64-bit integers as decimal strings.
    w.Key("partialSuccess");
    w.BeginObject();
    w.Key("rejectedSpans");
    w.String(std::to_string(lane.decoded.rejected));
    w.Key("errorMessage");
    w.String(lane.decoded.rejection);
    w.EndObject();
  }
  w.EndObject();
  res->content_type = std::string(kJsonType);
  res->body = w.Take();
  return true;
}

bool TraceRoutes::HandlePreflight(const HttpRequest& req, HttpResponse* res) {
  AnswerIngestPreflight(req, admission_, "Content-Type, Content-Encoding, X-Sightline-Key", res);
  return true;
}

}  // namespace sightline
