// The collector's endpoints: POST /v1/beacon and its CORS preflight (docs/protocol.md).
//
// Order of checks for a beacon: content type → key (from ?key= when given, else after parsing) →
// origin → rate limit → decode (gzip, size caps) → parse and validate → Store::Append (the WAL
// record is written) → 202. Every refusal answers a JSON body naming the field and the reason,
// and is counted in /metrics. Runs on the I/O thread only (not thread-safe).
#pragma once

#include <memory>
#include <string>

#include "common/config.h"
#include "common/env.h"
#include "common/metrics.h"
#include "ingest/admission.h"
#include "ingest/beacon_parser.h"
#include "serve/http_server.h"
#include "store/store.h"

namespace sightline {

class BeaconRoutes {
 public:
  // `io` runs the server: the group commit of the beacons read in one round is posted to it.
  BeaconRoutes(Env* env, boost::asio::io_context* io, Store* store, MetricsRegistry* metrics,
               const Config& config);
  void Register(HttpServer* server);

 private:
  bool HandleBeacon(const HttpRequest& req, HttpResponse* res);
  bool HandlePreflight(const HttpRequest& req, HttpResponse* res);
  // Checks origin and rate for `project`/`key`; on refusal fills `res` and returns false.
  bool Admit(const HttpRequest& req, const ProjectConfig& project, std::string_view key,
             HttpResponse* res);
  // Fills `res` with the refusal and counts it. `project` is the key's project when known.
  void Refuse(const HttpRequest& req, const ProjectConfig* project, HttpResponse* res,
              unsigned status, std::string_view error, std::string_view field,
              std::string_view reason);
  void AllowOrigin(std::string_view origin, HttpResponse* res) const;
  // Commits the beacons in group_ with one WAL write, then answers them all.
  void CommitPending();

  struct Pending {
    HeldRequest request;
    HttpResponse response;  // the 202, sent once the commit succeeded
    size_t events;
  };

  Env* env_;
  boost::asio::io_context* io_;
  Store* store_;
  std::unique_ptr<AppendGroup> group_;  // this round's beacons, committed together
  std::vector<Pending> pending_;        // in group_, waiting for CommitPending
  bool commit_posted_ = false;
  LimitsConfig limits_;
  Admission admission_;
  BeaconParser parser_;
  ParsedBeacon parsed_;   // reused between beacons
  std::string inflated_;  // reused gzip output buffer
  int64_t last_sweep_us_ = 0;

  Counter& beacons_accepted_;
  Counter& events_accepted_;
  Counter& events_truncated_;
  Counter& bytes_in_;
  MetricsRegistry* metrics_;
  std::array<Counter*, std::size(kAllRejectReasons)> events_rejected_;
};

}  // namespace sightline
