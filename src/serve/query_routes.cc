#include "serve/query_routes.h"

#include "common/asio.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "query/api_calls_query.h"
#include "query/attribution_query.h"
#include "query/compare_query.h"
#include "query/coverage_query.h"
#include "query/crux_query.h"
#include "query/distribution_query.h"
#include "query/funnel_query.h"
#include "query/metrics_query.h"
#include "query/overview_query.h"
#include "query/session_list_query.h"
#include "query/session_query.h"
#include "query/timeseries_query.h"
#include "query/trace_query.h"
#include "query/usage_query.h"
#include "serve/http_util.h"

namespace sightline {

QueryRoutes::QueryRoutes(Env* env, Logger* logger, Store* store, const Config& config,
                         boost::asio::thread_pool* pool)
    : env_(env), logger_(logger), store_(store), pool_(pool) {
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
  server->Handle(
      http::verb::get, "/api/v1/api_calls", "api_api_calls",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleApiCalls(req, res); });
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
                      [this, query = std::move(query)]() -> Result<std::string> {
                        Result<OverviewResult> result = RunOverview(*store_, query);
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
  return AnswerOnPool(req, "attribution", project, [this, query = std::move(query)] {
    return RunAttributionQuery(*store_, query);
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
  return AnswerOnPool(
      req, "usage", project,
      [this, names = std::move(names), queries = std::move(queries)]() -> Result<std::string> {
        Result<std::vector<std::string>> answers = RunUsageQueries(*store_, queries);
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
                      [this, query = std::move(query)]() -> Result<std::string> {
                        Result<CompareResult> result = RunCompare(*store_, query);
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
                      [this, query = std::move(query)]() -> Result<std::string> {
                        auto groups = RunFunnel(*store_, query);
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
  return AnswerOnPool(req, "usage", project,
                      [this, query = std::move(query)] { return RunUsageQuery(*store_, query); });
}

bool QueryRoutes::HandleApiCalls(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  ApiCallsQuery query;
  query.project = project;
  if (auto error = ParseApiCallsQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  return AnswerOnPool(req, "api calls", project, [this, query = std::move(query)] {
    return RunApiCallsQuery(*store_, query);
  });
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
  return AnswerOnPool(req, "sessions", project,
                      [this, query = std::move(query)] { return RunSessionList(*store_, query); });
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
  return AnswerOnPool(req, "session timeline", project, [this, query = std::move(query)] {
    return RunSessionTimeline(*store_, query);
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
  return AnswerOnPool(req, "trace", project,
                      [this, query = std::move(query)] { return RunTraceQuery(*store_, query); });
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
                      [this, query = std::move(query)]() -> Result<std::string> {
                        std::vector<AggregateResult> results;
                        for (const AggregateSpec& spec : query.specs) {
                          Result<AggregateResult> result = store_->Aggregate(spec);
                          if (!result.ok()) return result.status();
                          results.push_back(std::move(result).value());
                        }
                        return FormatCrux(query, results);
                      });
}

bool QueryRoutes::AnswerOnPool(const HttpRequest& req, std::string what, std::string project,
                               std::function<Result<std::string>()> query) {
  Responder respond = Defer(req);
  boost::asio::post(*pool_, [this, what = std::move(what), project = std::move(project),
                             query = std::move(query), respond = std::move(respond)] {
    HttpResponse out;
    Result<std::string> body = query();
    if (body.ok()) {
      out.body = std::move(body).value();
    } else if (body.status().code() == Status::Code::kNotFound) {
      SetError(&out, 404, "not_found", "", body.status().message());
    } else {
      logger_->Error(what + " query failed",
                     {{"project", project}, {"error", body.status().ToString()}});
      SetError(&out, 500, "internal", "", "the query failed: " + body.status().message());
    }
    respond(std::move(out));
  });
  return false;
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
                      [this, query = std::move(query)]() -> Result<std::string> {
                        auto rows = SummarizeSessions(*store_, query);
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
                      [this, query = std::move(query)]() -> Result<std::string> {
                        auto result = ComputeConversion(*store_, query);
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
  Responder respond = Defer(req);
  boost::asio::post(*pool_, [this, spec = std::move(spec), respond = std::move(respond)] {
    HttpResponse out;
    Result<AggregateResult> result = store_->Aggregate(spec);
    if (result.ok()) {
      out.body = FormatMetricsResult(spec, *result);
    } else {
      logger_->Error("query failed",
                     {{"project", spec.project}, {"error", result.status().ToString()}});
      SetError(&out, 500, "internal", "", "the query failed: " + result.status().message());
    }
    respond(std::move(out));
  });
  return false;
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
  Responder respond = Defer(req);
  boost::asio::post(*pool_, [this, query = std::move(query), respond = std::move(respond)] {
    HttpResponse out;
    Result<AggregateResult> views = store_->Aggregate(query.page_views);
    Result<AggregateResult> requests =
        views.ok() ? store_->Aggregate(query.page_requests) : views.status();
    if (requests.ok()) {
      out.body = FormatCoverage(query, *views, *requests);
    } else {
      logger_->Error("coverage query failed", {{"project", query.page_views.project},
                                               {"error", requests.status().ToString()}});
      SetError(&out, 500, "internal", "", "the query failed: " + requests.status().message());
    }
    respond(std::move(out));
  });
  return false;
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
  Responder respond = Defer(req);
  boost::asio::post(*pool_, [this, query = std::move(query), respond = std::move(respond)] {
    HttpResponse out;
    std::vector<AggregateResult> results;
    for (const TimeseriesQuery::Segment& segment : query.segments) {
      Result<AggregateResult> result = store_->Aggregate(segment.spec);
      if (!result.ok()) {
        logger_->Error("time series query failed",
                       {{"project", segment.spec.project}, {"error", result.status().ToString()}});
        SetError(&out, 500, "internal", "", "the query failed: " + result.status().message());
        respond(std::move(out));
        return;
      }
      results.push_back(std::move(result).value());
    }
    out.body = FormatTimeseries(query, results);
    respond(std::move(out));
  });
  return false;
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
  Responder respond = Defer(req);
  boost::asio::post(*pool_, [this, spec = std::move(spec), respond = std::move(respond)] {
    HttpResponse out;
    Result<AggregateResult> result = store_->Aggregate(spec);
    if (result.ok()) {
      out.body = FormatDistribution(spec, *result);
    } else {
      logger_->Error("distribution query failed",
                     {{"project", spec.project}, {"error", result.status().ToString()}});
      SetError(&out, 500, "internal", "", "the query failed: " + result.status().message());
    }
    respond(std::move(out));
  });
  return false;
}

}  // namespace sightline
