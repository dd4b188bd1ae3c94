// POST /v1/traffic: a backend's count of the page requests it served, per minute and route
// (docs/protocol.md §17), stored as `traffic` events next to the page views so that
// GET /api/v1/coverage can divide one by the other. Authenticated by one of the project's secret
// server_tokens (`Authorization: Bearer`, or an `X-Sightline-Key` header), never by the public
// ingest key a page carries, which would let anyone inflate the counts; refused from pages (an
// Origin header: 403, no CORS) and rate limited per token (limits.traffic_posts_per_second).
// Routes are templated with the project's rules and scrubbed like page views' routes.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/config.h"
#include "common/env.h"
#include "common/metrics.h"
#include "enrich/enricher.h"
#include "ingest/admission.h"
#include "ingest/traffic_parser.h"
#include "serve/http_server.h"
#include "store/store.h"

namespace sightline {

class TrafficRoutes {
 public:
  TrafficRoutes(Env* env, size_t io_threads, Store* store, MetricsRegistry* metrics,
                const Config& config, const EnrichResources& enrich);
  void Register(HttpServer* server);

 private:
  bool Handle(const HttpRequest& req, HttpResponse* res);
  // The project whose server token `req` carries, or nullptr after filling `res` with the refusal
  // (401, 403 or 429).
  const ProjectConfig* Authenticate(const HttpRequest& req, HttpResponse* res);

  struct Lane {
    explicit Lane(const LimitsConfig& limits) : parser(limits) {}
    TrafficParser parser;
    ParsedTraffic parsed;
    std::string inflated;
  };

  Env* env_;
  Store* store_;
  LimitsConfig limits_;
  Admission admission_;
  EnrichResources enrich_;
  std::vector<std::unique_ptr<Lane>> lanes_;                                // one per I/O thread
  std::unordered_map<std::string, const ProjectConfig*> project_by_token_;  // into projects_
  std::vector<ProjectConfig> projects_;
  std::mutex buckets_mu_;
  std::unordered_map<std::string, TokenBucket> bucket_by_token_;  // GUARDED_BY(buckets_mu_)
  Counter& counts_accepted_;
  Counter& requests_counted_;
};

}  // namespace sightline
