// POST /v1/traffic: a backend's count of the page requests it served, per minute and route
// (docs/protocol.md §17), stored as `traffic` events next to the page views so that
// GET /api/v1/coverage can divide one by the other. Authenticated by an ingest key (`?key=`, an
// `X-Sightline-Key` header, or the body's "key"); meant for servers, so no CORS. Routes are
// templated with the project's rules and scrubbed like page views' routes.
#pragma once

#include <memory>
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
  std::vector<std::unique_ptr<Lane>> lanes_;  // one per I/O thread
  Counter& counts_accepted_;
  Counter& requests_counted_;
};

}  // namespace sightline
