// POST /v1/traces: the OTLP/HTTP trace receiver (docs/tracing.md). Backends instrumented with
// OpenTelemetry, and browsers running the OpenTelemetry web SDK, export spans here; they are
// stored as `span` events beside the RUM events, under the same retention and deletion rules.
//
// Per the OTLP specification: protobuf (application/x-protobuf) or JSON (application/json)
// bodies, gzip or not; 200 with an ExportTraceServiceResponse in the request's encoding, with
// partial_success naming how many spans were rejected and why; errors as a google.rpc.Status in
// the request's encoding (JSON ones also carry Sightline's "error", "field" and "reason"): 400
// malformed, 401 unknown key, 403 origin not allowed, 413 too large (limits.max_trace_bytes),
// 415 other content types, 429 and 503 with Retry-After. The key is the project's ingest key, in
// an `x-sightline-key` header (what OTEL_EXPORTER_OTLP_HEADERS sets) or `?key=`. Browsers get
// CORS for the project's allowed_origins, preflight included.
#pragma once

#include <memory>
#include <vector>

#include "common/config.h"
#include "common/env.h"
#include "common/metrics.h"
#include "enrich/enricher.h"
#include "ingest/admission.h"
#include "ingest/client_address.h"
#include "ingest/otlp_decoder.h"
#include "serve/http_server.h"
#include "store/store.h"

namespace sightline {

class TraceRoutes {
 public:
  TraceRoutes(Env* env, size_t io_threads, Store* store, MetricsRegistry* metrics,
              const Config& config, TrustedProxies proxies, const EnrichResources& enrich);
  ~TraceRoutes();
  void Register(HttpServer* server);

 private:
  struct Lane;
  bool HandleExport(const HttpRequest& req, HttpResponse* res);
  bool HandlePreflight(const HttpRequest& req, HttpResponse* res);
  // The export's project after the checks its header allows (Content-Type, key, Origin), or
  // nullptr after Fail(). Its encoding in `encoding`.
  const ProjectConfig* Admit(const HttpRequest& req, HttpResponse* res, OtlpEncoding* encoding);
  // The HTTP layer's refusals as OTLP answers, with CORS for origins a project allows.
  void WriteRefusal(const Refusal& refusal, HttpResponse* res);
  // An OTLP error answer: google.rpc.Status in the request's encoding.
  void Fail(HttpResponse* res, OtlpEncoding encoding, unsigned status, std::string_view error,
            std::string_view field, std::string_view reason);

  Env* env_;
  Store* store_;
  LimitsConfig limits_;
  Admission admission_;
  TrustedProxies proxies_;
  std::vector<std::unique_ptr<Lane>> lanes_;  // one per I/O thread
  Counter& spans_accepted_;
  Counter& spans_rejected_;
  Counter& requests_accepted_;
  MetricsRegistry* metrics_;
};

}  // namespace sightline
