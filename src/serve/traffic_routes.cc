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
  projects_ = config.projects;
  for (const ProjectConfig& project : projects_) {
    for (const std::string& token : project.server_tokens) project_by_token_[token] = &project;
    // Tokens are fixed at start: their buckets are made once, so the map never grows.
    for (const std::string& token : project.server_tokens) bucket_by_token_[token];
  }
}

const ProjectConfig* TrafficRoutes::Authenticate(const HttpRequest& req, HttpResponse* res) {
  if (!req.header(http::field::origin).empty()) {
    SetError(res, 403, "origin_not_allowed", "Origin",
             "traffic counts come from servers, never from pages");
    return nullptr;
  }
  std::string_view token = req.header(http::field::authorization);
  if (token.size() > 7 && EqualsIgnoreCase(token.substr(0, 7), "Bearer ")) {
    token.remove_prefix(7);
  } else {
    token = req.header(std::string_view("X-Sightline-Key"));
  }
  auto found = project_by_token_.find(std::string(token));
  if (found == project_by_token_.end()) {
    const std::string key = IngestKeyOf(req);
    const bool public_key = !key.empty() && admission_.ProjectForKey(key) != nullptr;
    SetError(res, 401, "unauthenticated", "Authorization",
             public_key ? "a public ingest key cannot report traffic: send one of the project's "
                          "server_tokens as Authorization: Bearer"
             : token.empty() ? "one of the project's server_tokens is required "
                               "(Authorization: Bearer)"
                             : "no project has this server token (projects[].server_tokens)");
    res->headers.emplace_back("WWW-Authenticate", "Bearer");
    return nullptr;
  }
  if (limits_.traffic_posts_per_second > 0) {
    std::lock_guard<std::mutex> lock(buckets_mu_);
    int64_t wait_us = bucket_by_token_[found->first].Take(limits_.traffic_posts_per_second,
                                                          env_->MonotonicMicros());
    if (wait_us > 0) {
      SetError(res, 429, "rate_limited", "",
               "more than limits.traffic_posts_per_second posts; retry after Retry-After");
      res->headers.emplace_back("Retry-After",
                                std::to_string(std::max<int64_t>(1, (wait_us + 999999) / 1000000)));
      return nullptr;
    }
  }
  return found->second;
}

void TrafficRoutes::Register(HttpServer* server) {
  server->Handle(http::verb::post, "/v1/traffic", "traffic",
                 [this](const HttpRequest& req, HttpResponse* res) { return Handle(req, res); });
}

bool TrafficRoutes::Handle(const HttpRequest& req, HttpResponse* res) {
  Lane& lane = *lanes_[req.io_thread];
  const ProjectConfig* project = Authenticate(req, res);
  if (project == nullptr) return true;
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
  EventBatch batch;
  batch.project = project->id;
  PiiCounts redacted{};
  int64_t requests = 0;
  for (TrafficCount& count : lane.parsed.counts) {
    Event event;
    event.ts = count.minute_ms;
    event.type = "traffic";
    event.route = RouteOf(count.route, project->routes, project->hash_routes);
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
