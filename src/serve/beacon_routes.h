// The collector's endpoints: POST /v1/beacon and its CORS preflight, and GET /v1/config, the
// sampling rates for the calling visitor (docs/protocol.md).
//
// Order of checks for a beacon: content type → key (from ?key= when given, else after parsing) →
// origin → rate limit → decode (gzip, size caps) → parse and validate → Store::Append (the WAL
// record is written) → 202. Every refusal answers a JSON body naming the field and the reason,
// and is counted in /metrics. Handlers run on every I/O thread at once: what they reuse between
// beacons (parser, buffers, the round's append group) is kept per thread in a Lane; Admission and
// the store are shared and thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/config.h"
#include "common/env.h"
#include "common/metrics.h"
#include "enrich/enricher.h"
#include "ingest/admission.h"
#include "ingest/beacon_parser.h"
#include "ingest/client_address.h"
#include "serve/http_server.h"
#include "store/store.h"

namespace sightline {

class BeaconRoutes {
 public:
  // `io_threads`: how many I/O threads the server runs (HttpServer::io_threads()). `proxies`
  // name the visitor behind a reverse proxy; `enrich` holds the enrichment stage's shared parts.
  BeaconRoutes(Env* env, size_t io_threads, Store* store, MetricsRegistry* metrics,
               const Config& config, TrustedProxies proxies, const EnrichResources& enrich);
  ~BeaconRoutes();
  void Register(HttpServer* server);

 private:
  bool HandleBeacon(const HttpRequest& req, HttpResponse* res);
  bool HandlePreflight(const HttpRequest& req, HttpResponse* res);
  bool HandleConfig(const HttpRequest& req, HttpResponse* res);
  // The visitor's address as bytes (HttpRequest::client's form): the peer's, or the forwarded
  // one behind a trusted proxy. `scratch` holds the bytes when they are not the peer's.
  std::string_view ClientOf(const HttpRequest& req, std::string* scratch) const;
  // Checks origin and rate for `project`/`key`; on refusal fills `res` and returns false.
  bool Admit(const HttpRequest& req, const ProjectConfig& project, std::string_view key,
             HttpResponse* res);
  // Fills `res` with the refusal and counts it. `project` is the key's project when known.
  void Refuse(const HttpRequest& req, const ProjectConfig* project, HttpResponse* res,
              unsigned status, std::string_view error, std::string_view field,
              std::string_view reason);
  void AllowOrigin(std::string_view origin, HttpResponse* res) const;
  struct Lane;
  // Commits the beacons in lane.group with one WAL write, then answers them all.
  void CommitPending(Lane& lane);

  Env* env_;
  Store* store_;
  LimitsConfig limits_;
  Admission admission_;
  TrustedProxies proxies_;
  EnrichResources enrich_;
  std::vector<std::unique_ptr<Lane>> lanes_;  // one per I/O thread, by HttpRequest::io_thread

  Counter& beacons_accepted_;
  Counter& events_accepted_;
  Counter& events_truncated_;
  Counter& bytes_in_;
  MetricsRegistry* metrics_;
  std::array<Counter*, std::size(kAllRejectReasons)> events_rejected_;
};

}  // namespace sightline
