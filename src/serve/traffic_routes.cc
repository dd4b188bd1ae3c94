#include "serve/traffic_routes.h"

#include "common/json_writer.h"
#include "common/strings.h"
#include "enrich/routes.h"
#include "ingest/body_decoder.h"
#include "serve/http_util.h"

namespace sightline {

TrafficRoutes::TrafficRoutes(Env* env, size_t io_threads, Store* store, MetricsRegistry* metrics,
                             const Config& config, const EnrichResources& enrich)
    : env_(env),
      store_(store),
      limits_(config.limits),
      admission_(config.projects, config.limits),
      enrich_(enrich),
      counts_accepted_(metrics->AddCounter("sightline_traffic_counts_total",
                                           "Per-minute route counts stored from POST /v1/traffic")),
      requests_counted_(
          metrics->AddCounter("sightline_traffic_requests_total",
                              "Page requests backends reported in POST /v1/traffic")) {
  for (size_t idx = 0; idx < io_threads; ++idx) {
    lanes_.push_back(std::make_unique<Lane>(config.limits));
  }
}

void TrafficRoutes::Register(HttpServer* server) {
  server->Handle(http::verb::post, "/v1/traffic", "traffic",
                 [this](const HttpRequest& req, HttpResponse* res) { return Handle(req, res); });
}

bool TrafficRoutes::Handle(const HttpRequest& req, HttpResponse* res) {
  Lane& lane = *lanes_[req.io_thread];
  std::string_view type = req.header(http::field::content_type);
  std::string_view base = type.substr(0, type.find(';'));
  if (!base.empty() && !EqualsIgnoreCase(base, "application/json") &&
      !EqualsIgnoreCase(base, "text/plain")) {
    SetError(res, 415, "unsupported_media_type", "Content-Type", "send application/json");
    return true;
  }
  std::string_view body;
  switch (DecodeBody(req.header(http::field::content_encoding), req.body(),
                     limits_.max_inflated_bytes, &lane.inflated, &body)) {
    case DecodeOutcome::kOk:
      break;
    case DecodeOutcome::kUnsupportedEncoding:
      SetError(res, 415, "unsupported_encoding", "Content-Encoding", "send gzip or no encoding");
      return true;
    case DecodeOutcome::kTooLarge:
      SetError(res, 413, "too_large", "body", "decoded body larger than limits.max_inflated_bytes");
      return true;
    case DecodeOutcome::kCorrupt:
      SetError(res, 400, "invalid_gzip", "body", "the gzip stream is corrupt or truncated");
      return true;
  }
  const int64_t now = env_->NowMillis();
  if (std::optional<TrafficError> error = lane.parser.Parse(body, now, &lane.parsed)) {
    SetError(res, error->http_status, error->error, error->field, error->reason);
    return true;
  }
  const std::string key = IngestKeyOf(req, lane.parsed.key);
  const ProjectConfig* project = key.empty() ? nullptr : admission_.ProjectForKey(key);
  if (project == nullptr) {
    SetError(res, 401, "unknown_key", "key",
             key.empty() ? "an ingest key is required (?key=, X-Sightline-Key or \"key\")"
                         : "no project has this ingest key");
    return true;
  }

  EventBatch batch;
  batch.project = project->id;
  PiiCounts redacted{};
  int64_t requests = 0;
  for (TrafficCount& count : lane.parsed.counts) {
    Event event;
    event.ts = count.minute_ms;
    event.type = "traffic";
    event.route = RouteOf(count.route, project->routes);
    event.service = std::move(count.service);
    event.value = static_cast<double>(count.requests);
    if (enrich_.scrubber != nullptr) {
      enrich_.scrubber->Scrub(&event.route, &redacted);
      enrich_.scrubber->Scrub(&event.service, &redacted);
    }
    requests += count.requests;
    batch.events.push_back(std::move(event));
  }
  if (!batch.events.empty()) {
    if (Status stored = store_->Append(batch); !stored.ok()) {
      SetError(res, 503, "unavailable", "", "the store could not write the counts; retry later");
      res->headers.emplace_back("Retry-After", "1");
      return true;
    }
  }
  counts_accepted_.Inc(batch.events.size());
  requests_counted_.Inc(static_cast<uint64_t>(requests));
  JsonWriter w(std::move(res->body));
  w.BeginObject();
  w.Key("accepted");
  w.Int(static_cast<int64_t>(batch.events.size()));
  WriteRejected(w, lane.parsed.rejected);
  w.EndObject();
  res->status = 202;
  res->body = w.Take();
  return true;
}

}  // namespace sightline
