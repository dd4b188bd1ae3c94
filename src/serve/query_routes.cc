#include "serve/query_routes.h"

#include <malloc.h>

#include "common/asio.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "query/agent_query.h"
#include "query/api_calls_query.h"
#include "query/attribution_query.h"
#include "query/compare_query.h"
#include "query/coverage_query.h"
#include "query/crux_query.h"
#include "query/distribution_query.h"
#include "query/funnel_query.h"
#include "query/long_frames_query.h"
#include "query/metrics_query.h"
#include "query/navigation_query.h"
#include "query/overview_query.h"
#include "query/resources_query.h"
#include "query/session_list_query.h"
#include "query/session_query.h"
#include "query/timeseries_query.h"
#include "query/trace_query.h"
#include "query/usage_query.h"
#include "serve/http_util.h"
#include "store/controlled_store.h"

namespace sightline {
namespace {

// Queries running at least this long hand their freed working set back to the kernel.
constexpr int64_t kTrimAfterQueryUs = 100'000;

}  // namespace

QueryRoutes::QueryRoutes(Env* env, Logger* logger, MetricsRegistry* metrics, Store* store,
                         const Config& config, boost::asio::thread_pool* pool)
    : env_(env),
      logger_(logger),
      store_(store),
      pool_(pool),
      query_timeout_ms_(config.server.query_timeout_ms),
      max_pending_(config.server.max_pending_queries),
      max_groups_(config.limits.max_query_groups),
      max_query_bytes_(static_cast<uint64_t>(config.limits.max_query_memory_mb * (1 << 20))),
      refused_busy_(metrics->AddCounter("sightline_queries_ended_total",
                                        "Queries that did not run to an answer, by reason",
                                        "reason=\"busy\"")),
      timed_out_(metrics->AddCounter("sightline_queries_ended_total",
                                     "Queries that did not run to an answer, by reason",
                                     "reason=\"timeout\"")),
      cancelled_(metrics->AddCounter("sightline_queries_ended_total",
                                     "Queries that did not run to an answer, by reason",
                                     "reason=\"client_gone\"")),
      too_large_(metrics->AddCounter("sightline_queries_ended_total",
                                     "Queries that did not run to an answer, by reason",
                                     "reason=\"too_large\"")) {
  for (const ProjectConfig& project : config.projects) {
    for (const std::string& token : project.read_tokens) project_by_token_[token] = project.id;
  }
}

void QueryRoutes::Register(HttpServer* server) {
  server->Handle(
      http::verb::get, "/api/v1/metrics", "api_metrics",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleMetrics(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/distribution", "api_distribution",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleDistribution(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/timeseries", "api_timeseries",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleTimeseries(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/coverage", "api_coverage",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleCoverage(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/sessions/summary", "api_sessions_summary",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleSessionSummary(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/conversion", "api_conversion",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleConversion(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/compare", "api_compare",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleCompare(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/funnel", "api_funnel",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleFunnel(req, res); });
  for (auto [path, kind] : {std::pair{"/api/v1/events", UsageQuery::Kind::kEvents},
                            std::pair{"/api/v1/interactions", UsageQuery::Kind::kInteractions},
                            std::pair{"/api/v1/forms", UsageQuery::Kind::kForms},
                            std::pair{"/api/v1/paths", UsageQuery::Kind::kPaths}}) {
    std::string name = std::string("api_") + (std::string_view(path).substr(8).data());
    server->Handle(http::verb::get, path, name,
                   [this, kind = kind](const HttpRequest& req, HttpResponse* res) {
                     return HandleUsage(kind, req, res);
                   });
  }
  server->Handle(http::verb::get, "/api/v1/api_calls", "api_api_calls",
                 [this](const HttpRequest& req, HttpResponse* res) {
                   return HandleProjectQuery(req, res, "api calls", &ParseApiCallsQuery,
                                             &RunApiCallsQuery);
                 });
  server->Handle(http::verb::get, "/api/v1/agent", "api_agent",
                 [this](const HttpRequest& req, HttpResponse* res) {
                   return HandleProjectQuery(req, res, "agent", &ParseAgentQuery, &RunAgentQuery);
                 });
  server->Handle(http::verb::get, "/api/v1/resources", "api_resources",
                 [this](const HttpRequest& req, HttpResponse* res) {
                   return HandleProjectQuery(req, res, "resources", &ParseResourcesQuery,
                                             &RunResourcesQuery);
                 });
  server->Handle(http::verb::get, "/api/v1/long_frames", "api_long_frames",
                 [this](const HttpRequest& req, HttpResponse* res) {
                   return HandleProjectQuery(req, res, "long frames", &ParseLongFramesQuery,
                                             &RunLongFramesQuery);
                 });
  server->Handle(http::verb::get, "/api/v1/navigation", "api_navigation",
                 [this](const HttpRequest& req, HttpResponse* res) {
                   return HandleProjectQuery(req, res, "navigation", &ParseNavigationQuery,
                                             &RunNavigationQuery);
                 });
  server->Handle(
      http::verb::get, "/api/v1/sessions", "api_sessions",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleSessionList(req, res); });
  server->HandlePrefix(http::verb::get, "/api/v1/sessions/", "api_session_timeline",
                       [this](const HttpRequest& req, HttpResponse* res) {
                         return HandleSessionTimeline(req, res);
                       });
  server->HandlePrefix(
      http::verb::get, "/api/v1/traces/", "api_trace",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleTrace(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/usage", "api_usage",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleUsageParts(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/attribution", "api_attribution",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleAttribution(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/overview", "api_overview",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleOverview(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/projects", "api_projects",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleProjects(req, res); });
  server->Handle(
      http::verb::get, "/api/v1/crux", "api_crux",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleCrux(req, res); });
}

bool QueryRoutes::HandleOverview(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  OverviewQuery query;
  query.project = project;
  if (auto error = ParseOverviewQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "overview", project,
                      [query = std::move(query)](Store& store) -> Result<std::string> {
                        Result<OverviewResult> result = RunOverview(store, query);
                        if (!result.ok()) return result.status();
                        return FormatOverview(query, *result);
                      });
}

bool QueryRoutes::HandleAttribution(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  AttributionQuery query;
  query.project = project;
  if (auto error = ParseAttributionQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "attribution", project, [query = std::move(query)](Store& store) {
    return RunAttributionQuery(store, query);
  });
}

bool QueryRoutes::HandleUsageParts(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  std::vector<std::string> names;
  std::vector<UsageQuery> queries;
  if (auto error = ParseUsageParts(params, env_->NowMillis(), &names, &queries)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  for (UsageQuery& query : queries) query.sessions.project = project;
  return AnswerOnPool(req, "usage", project,
                      [names = std::move(names),
                       queries = std::move(queries)](Store& store) -> Result<std::string> {
                        Result<std::vector<std::string>> answers = RunUsageQueries(store, queries);
                        if (!answers.ok()) return answers.status();
                        // Each answer is a JSON object already.
                        std::string body = "{";
                        for (size_t i = 0; i < names.size(); ++i) {
                          if (i > 0) body += ',';
                          body += '"' + names[i] + "\":" + (*answers)[i];
                        }
                        return body + "}";
                      });
}

bool QueryRoutes::HandleProjects(const HttpRequest& req, HttpResponse* res) {
  // Any project will do for the check: the answer is the token's own project.
  const std::string* token_project = nullptr;
  std::string_view auth = req.header(http::field::authorization);
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && EqualsIgnoreCase(auth.substr(0, kBearer.size()), kBearer)) {
    auto it = project_by_token_.find(std::string(auth.substr(kBearer.size())));
    if (it != project_by_token_.end()) token_project = &it->second;
  }
  std::string project = Authorize(req, token_project, res);
  if (project.empty()) return true;
  JsonWriter w;
  w.BeginObject();
  w.Key("projects");
  w.BeginArray();
  w.BeginObject();
  w.Key("id");
  w.String(project);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  res->body = w.Take();
  return true;
}

bool QueryRoutes::HandleCompare(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  CompareQuery query;
  query.project = project;
  if (auto error = ParseCompareQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "compare", project,
                      [query = std::move(query)](Store& store) -> Result<std::string> {
                        Result<CompareResult> result = RunCompare(store, query);
                        if (!result.ok()) return result.status();
                        return FormatCompare(query, *result);
                      });
}

bool QueryRoutes::HandleFunnel(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  FunnelQuery query;
  query.sessions.project = project;
  if (auto error = ParseFunnelQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "funnel", project,
                      [query = std::move(query)](Store& store) -> Result<std::string> {
                        auto groups = RunFunnel(store, query);
                        if (!groups.ok()) return groups.status();
                        return FormatFunnel(query, *groups);
                      });
}

bool QueryRoutes::HandleUsage(UsageQuery::Kind kind, const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  UsageQuery query;
  query.sessions.project = project;
  if (auto error = ParseUsageQuery(kind, params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "usage", project, [query = std::move(query)](Store& store) {
    return RunUsageQuery(store, query);
  });
}

template <typename Query>
bool QueryRoutes::HandleProjectQuery(const HttpRequest& req, HttpResponse* res, std::string what,
                                     std::optional<QueryError> (*parse)(const QueryParams&, int64_t,
                                                                        Query*),
                                     Result<std::string> (*run)(Store&, const Query&)) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  Query query;
  query.project = project;
  if (auto error = parse(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, std::move(what), project,
                      [query = std::move(query), run](Store& store) { return run(store, query); });
}

bool QueryRoutes::HandleSessionList(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  SessionListQuery query;
  query.sessions.project = project;
  if (auto error = ParseSessionListQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "sessions", project, [query = std::move(query)](Store& store) {
    return RunSessionList(store, query);
  });
}

bool QueryRoutes::HandleSessionTimeline(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  SessionTimelineQuery query;
  query.project = project;
  query.session_id = std::string(req.path.substr(std::string_view("/api/v1/sessions/").size()));
  if (auto error = ParseSessionTimelineQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "session timeline", project, [query = std::move(query)](Store& store) {
    return RunSessionTimeline(store, query);
  });
}

bool QueryRoutes::HandleTrace(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  TraceQuery query;
  query.project = project;
  if (auto error = ParseTraceQuery(req.path.substr(std::string_view("/api/v1/traces/").size()),
                                   params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "trace", project, [query = std::move(query)](Store& store) {
    return RunTraceQuery(store, query);
  });
}

bool QueryRoutes::HandleCrux(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  CruxQuery query;
  if (auto error = ParseCruxQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  for (AggregateSpec& spec : query.specs) spec.project = project;
  return AnswerOnPool(req, "crux", project,
                      [query = std::move(query)](Store& store) -> Result<std::string> {
                        std::vector<AggregateResult> results;
                        for (const AggregateSpec& spec : query.specs) {
                          Result<AggregateResult> result = store.Aggregate(spec);
                          if (!result.ok()) return result.status();
                          results.push_back(std::move(result).value());
                        }
                        return FormatCrux(query, results);
                      });
}

bool QueryRoutes::AnswerOnPool(const HttpRequest& req, std::string what, std::string project,
                               std::function<Result<std::string>(Store& store)> query) {
  // Bounded queue: past server.max_pending_queries, a query is refused at once rather than
  // waiting behind the others (and holding its memory) for minutes.
  if (pending_.fetch_add(1) >= max_pending_) {
    pending_.fetch_sub(1);
    refused_busy_.Inc();
    HttpResponse busy;
    SetError(&busy, 503, "busy", "",
             "more than server.max_pending_queries queries are waiting; retry after Retry-After");
    busy.headers.emplace_back("Retry-After", "1");
    Defer(req)(std::move(busy));
    return false;
  }
  // The deadline counts from arrival: time spent queued is part of it.
  const int64_t deadline_us =
      query_timeout_ms_ > 0 ? env_->MonotonicMicros() + int64_t{query_timeout_ms_} * 1000 : 0;
  auto control = std::make_shared<QueryControl>(env_, deadline_us, max_groups_, AbandonedFlag(req),
                                                max_query_bytes_);
  Responder respond = Defer(req);
  boost::asio::post(
      *pool_, [this, what = std::move(what), project = std::move(project), query = std::move(query),
               control = std::move(control), respond = std::move(respond)] {
        HttpResponse out;
        const int64_t started_us = env_->MonotonicMicros();
        Status status = control->Check();
        ControlledStore store(store_, control.get());
        Result<std::string> body = status.ok() ? query(store) : Result<std::string>(status);
        const bool idle = pending_.fetch_sub(1) == 1;
        if (body.ok()) {
          out.body = std::move(body).value();
        } else if (control->memory_exceeded()) {
          too_large_.Inc();
          SetError(&out, 400, "query_too_large", "", body.status().message());
        } else {
          WriteQueryFailure(what, project, body.status(), &out);
        }
        respond(std::move(out));
        // A long query's working set (millions of values or sessions) is free heap now; malloc
        // keeps it, and each larger query would raise resident memory for good. Handing it back
        // walks malloc's free lists, so only after long queries, and only when no other query is
        // queued or running.
        if (idle && env_->MonotonicMicros() - started_us >= kTrimAfterQueryUs) malloc_trim(0);
      });
  return false;
}

void QueryRoutes::WriteQueryFailure(const std::string& what, const std::string& project,
                                    const Status& status, HttpResponse* out) const {
  switch (status.code()) {
    case Status::Code::kNotFound:
      SetError(out, 404, "not_found", "", status.message());
      return;
    case Status::Code::kDeadlineExceeded:
      timed_out_.Inc();
      SetError(out, 503, "query_timeout", "",
               "the query ran longer than server.query_timeout_ms (" +
                   std::to_string(query_timeout_ms_) + " ms): narrow its range or filters");
      out->headers.emplace_back("Retry-After", "1");
      return;
    case Status::Code::kCancelled:
      cancelled_.Inc();  // nobody reads the answer: the connection is gone
      SetError(out, 499, "cancelled", "", status.message());
      return;
    case Status::Code::kResourceExhausted:
      SetError(out, 400, "too_many_groups", "group_by", status.message());
      return;
    default:
      logger_->Error(what + " query failed", {{"project", project}, {"error", status.ToString()}});
      SetError(out, 500, "internal", "", "the query failed: " + status.message());
  }
}

bool QueryRoutes::HandleSessionSummary(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  SessionQuery query;
  query.project = project;
  if (auto error = ParseSessionSummaryQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "sessions summary", project,
                      [query = std::move(query)](Store& store) -> Result<std::string> {
                        auto rows = SummarizeSessions(store, query);
                        if (!rows.ok()) return rows.status();
                        return FormatSessionSummary(query, *rows);
                      });
}

bool QueryRoutes::HandleConversion(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  SessionQuery query;
  query.project = project;
  if (auto error = ParseConversionQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "conversion", project,
                      [query = std::move(query)](Store& store) -> Result<std::string> {
                        auto result = ComputeConversion(store, query);
                        if (!result.ok()) return result.status();
                        return FormatConversion(query, *result);
                      });
}

std::string QueryRoutes::Authorize(const HttpRequest& req, const std::string* project,
                                   HttpResponse* res) const {
  std::string_view auth = req.header(http::field::authorization);
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || !EqualsIgnoreCase(auth.substr(0, kBearer.size()), kBearer)) {
    SetError(res, 401, "unauthenticated", "Authorization",
             "send Authorization: Bearer <read token>");
    res->headers.emplace_back("WWW-Authenticate", "Bearer");
    return "";
  }
  auto it = project_by_token_.find(std::string(auth.substr(kBearer.size())));
  if (it == project_by_token_.end()) {
    SetError(res, 401, "unauthenticated", "Authorization", "unknown read token");
    res->headers.emplace_back("WWW-Authenticate", "Bearer");
    return "";
  }
  if (project == nullptr || project->empty()) {
    SetError(res, 400, "invalid_query", "project", "is required");
    return "";
  }
  if (*project != it->second) {
    SetError(res, 403, "forbidden", "project", "this token cannot read that project");
    return "";
  }
  return it->second;
}

bool QueryRoutes::HandleMetrics(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  AggregateSpec spec;
  spec.project = project;
  if (std::optional<QueryError> error = ParseMetricsQuery(params, env_->NowMillis(), &spec)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "metrics", project,
                      [spec = std::move(spec)](Store& store) -> Result<std::string> {
                        Result<AggregateResult> result = store.Aggregate(spec);
                        if (!result.ok()) return result.status();
                        return FormatMetricsResult(spec, *result);
                      });
}

bool QueryRoutes::HandleCoverage(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  CoverageQuery query;
  if (std::optional<QueryError> error = ParseCoverageQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  query.page_views.project = project;
  query.page_requests.project = project;
  return AnswerOnPool(req, "coverage", project,
                      [query = std::move(query)](Store& store) -> Result<std::string> {
                        Result<AggregateResult> views = store.Aggregate(query.page_views);
                        if (!views.ok()) return views.status();
                        Result<AggregateResult> requests = store.Aggregate(query.page_requests);
                        if (!requests.ok()) return requests.status();
                        return FormatCoverage(query, *views, *requests);
                      });
}

bool QueryRoutes::HandleTimeseries(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  TimeseriesQuery query;
  if (std::optional<QueryError> error = ParseTimeseriesQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  for (TimeseriesQuery::Segment& segment : query.segments) segment.spec.project = project;
  return AnswerOnPool(req, "time series", project,
                      [query = std::move(query)](Store& store) -> Result<std::string> {
                        std::vector<AggregateResult> results;
                        for (const TimeseriesQuery::Segment& segment : query.segments) {
                          Result<AggregateResult> result = store.Aggregate(segment.spec);
                          if (!result.ok()) return result.status();
                          results.push_back(std::move(result).value());
                        }
                        return FormatTimeseries(query, results);
                      });
}

bool QueryRoutes::HandleDistribution(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  AggregateSpec spec;
  spec.project = project;
  if (std::optional<QueryError> error = ParseDistributionQuery(params, env_->NowMillis(), &spec)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "distribution", project,
                      [spec = std::move(spec)](Store& store) -> Result<std::string> {
                        Result<AggregateResult> result = store.Aggregate(spec);
                        if (!result.ok()) return result.status();
                        return FormatDistribution(spec, *result);
                      });
}

}  // namespace sightline
