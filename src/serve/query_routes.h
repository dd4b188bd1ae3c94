// The query API's endpoints (docs/query-api.md): GET /api/v1/metrics, timeseries, distribution,
// coverage, sessions (list, summary, one session's timeline), conversion, crux, compare, funnel,
// events, interactions, forms, paths (each alone, or several from one scan: usage), api_calls,
// agent (the agent's own cost), overview, attribution, and projects (the token's project).
//
// Every request is authorised by `Authorization: Bearer <read token>`: 401 without a valid token,
// 403 when the token belongs to another project than `project`. Parsing and authorisation run on
// the I/O thread; the aggregation runs on `pool` so a slow query never stalls ingest.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/asio.h"
#include "common/config.h"
#include "common/env.h"
#include "common/logger.h"
#include "common/metrics.h"
#include "query/usage_query.h"
#include "serve/http_server.h"
#include "store/store.h"

namespace sightline {

class QueryRoutes {
 public:
  QueryRoutes(Env* env, Logger* logger, MetricsRegistry* metrics, Store* store,
              const Config& config, boost::asio::thread_pool* pool);
  void Register(HttpServer* server);

  // Runs `query` (which returns the response body) on the pool, over the store under the query's
  // limits (server.query_timeout_ms, the client's disconnection, limits.max_query_groups), and
  // answers with its body; or 503 busy at once past server.max_pending_queries, 404 for NotFound,
  // 503 query_timeout, 400 too_many_groups, or 500 naming `what` when it fails. Returns false (the
  // answer is deferred).
  bool AnswerOnPool(const HttpRequest& req, std::string what, std::string project,
                    std::function<Result<std::string>(Store& store)> query);
  // The project id the request may read, or "" after filling `res` with 400/401/403.
  std::string Authorize(const HttpRequest& req, const std::string* project,
                        HttpResponse* res) const;

 private:
  bool HandleMetrics(const HttpRequest& req, HttpResponse* res);
  bool HandleCoverage(const HttpRequest& req, HttpResponse* res);
  bool HandleTimeseries(const HttpRequest& req, HttpResponse* res);
  bool HandleDistribution(const HttpRequest& req, HttpResponse* res);
  bool HandleSessionSummary(const HttpRequest& req, HttpResponse* res);
  bool HandleConversion(const HttpRequest& req, HttpResponse* res);
  bool HandleCrux(const HttpRequest& req, HttpResponse* res);
  bool HandleCompare(const HttpRequest& req, HttpResponse* res);
  bool HandleFunnel(const HttpRequest& req, HttpResponse* res);
  // A query of one project that parses its parameters into a Query (with `project`) and runs it
  // over the store on the pool: Parse(params, now_ms, Query*) → optional<QueryError> (400
  // invalid_query naming the field), Run(Store&, const Query&) → Result<body>.
  template <typename Query>
  bool HandleProjectQuery(const HttpRequest& req, HttpResponse* res, std::string what,
                          std::optional<QueryError> (*parse)(const QueryParams&, int64_t, Query*),
                          Result<std::string> (*run)(Store&, const Query&));
  bool HandleSessionList(const HttpRequest& req, HttpResponse* res);
  bool HandleSessionTimeline(const HttpRequest& req, HttpResponse* res);
  bool HandleTrace(const HttpRequest& req, HttpResponse* res);
  bool HandleUsageParts(const HttpRequest& req, HttpResponse* res);
  bool HandleAttribution(const HttpRequest& req, HttpResponse* res);
  bool HandleOverview(const HttpRequest& req, HttpResponse* res);
  bool HandleProjects(const HttpRequest& req, HttpResponse* res);
  bool HandleUsage(UsageQuery::Kind kind, const HttpRequest& req, HttpResponse* res);

  Env* env_;
  void WriteQueryFailure(const std::string& what, const std::string& project, const Status& status,
                         HttpResponse* out) const;

  Logger* logger_;
  Store* store_;
  boost::asio::thread_pool* pool_;
  std::unordered_map<std::string, std::string> project_by_token_;
  const uint32_t query_timeout_ms_;
  const size_t max_pending_;
  const size_t max_groups_;
  const uint64_t max_query_bytes_;  // limits.max_query_memory_mb, in bytes; 0: none
  std::atomic<size_t> pending_{0};  // queued or running on the pool
  Counter& refused_busy_;
  Counter& timed_out_;
  Counter& cancelled_;
  Counter& too_large_;
};

}  // namespace sightline
