#include "serve/error_routes.h"

#include <simdjson.h>

#include "common/json_writer.h"
#include "common/strings.h"
#include "ingest/body_decoder.h"
#include "query/errors_query.h"
#include "serve/http_util.h"

namespace sightline {
namespace {

constexpr std::string_view kGroupPrefix = "/api/v1/errors/";

}  // namespace

ErrorRoutes::ErrorRoutes(Env* env, Logger* logger, const Config& config, QueryRoutes* queries,
                         SourceMapStore* maps, ErrorStates* states, boost::asio::thread_pool* pool)
    : env_(env),
      logger_(logger),
      queries_(queries),
      maps_(maps),
      states_(states),
      pool_(pool),
      max_map_bytes_(config.limits.max_sourcemap_bytes) {
  for (const ProjectConfig& project : config.projects) {
    for (const std::string& token : project.upload_tokens) {
      project_by_upload_token_[token] = project.id;
    }
    for (const std::string& token : project.read_tokens) project_by_read_token_[token] = project.id;
    retention_ms_[project.id] = int64_t{project.retention_days} * 86400000;
  }
}

void ErrorRoutes::Register(HttpServer* server) {
  server->Handle(
      http::verb::get, "/api/v1/errors", "api_errors",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleList(req, res); });
  server->HandlePrefix(
      http::verb::get, std::string(kGroupPrefix), "api_error_group",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleGroup(req, res); });
  server->HandlePrefix(
      http::verb::patch, std::string(kGroupPrefix), "api_error_status",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleStatus(req, res); });
  server->Handle(
      http::verb::post, "/api/v1/sourcemaps", "api_sourcemaps_upload",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleUpload(req, res); });
  // Uploads are authorized before their body (up to limits.max_sourcemap_bytes) is read.
  server->LimitBody(
      http::verb::post, "/api/v1/sourcemaps", max_map_bytes_, "limits.max_sourcemap_bytes",
      [this](const HttpRequest& req, HttpResponse* res) {
        QueryParams params = ParseQueryString(req.query);
        return !AuthorizeUpload(req, FindParam(params, "project"), res, false).empty();
      });
  server->Handle(
      http::verb::get, "/api/v1/sourcemaps", "api_sourcemaps_list",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleListMaps(req, res); });
}

int64_t ErrorRoutes::HistoryFrom(const std::string& project, int64_t to_ms) const {
  auto it = retention_ms_.find(project);
  return to_ms - (it == retention_ms_.end() ? int64_t{90} * 86400000 : it->second);
}

bool ErrorRoutes::HandleList(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = queries_->Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  ErrorsQuery query;
  query.project = project;
  if (auto error = ParseErrorsQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  query.history_from_ms = HistoryFrom(project, env_->NowMillis());
  return queries_->AnswerOnPool(
      req, "errors", project,
      [this, query = std::move(query)](Store& store) -> Result<std::string> {
        ErrorsContext context;
        context.maps = maps_;
        context.states = states_->Snapshot(query.project);
        return RunErrorsList(store, query, context);
      });
}

std::string ErrorRoutes::FingerprintOf(const HttpRequest& req, HttpResponse* res) const {
  std::string fingerprint(req.path.substr(kGroupPrefix.size()));
  if (!ValidFingerprint(fingerprint)) {
    SetError(res, 404, "not_found", "fingerprint",
             "an error group's fingerprint is 16 lowercase hex digits");
    return "";
  }
  return fingerprint;
}

bool ErrorRoutes::HandleGroup(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = queries_->Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  std::string fingerprint = FingerprintOf(req, res);
  if (fingerprint.empty()) return true;
  ErrorsQuery query;
  query.project = project;
  query.fingerprint = fingerprint;
  if (auto error = ParseErrorsQuery(params, env_->NowMillis(), &query)) {
    SetError(res, 400, "invalid_query", error->field, error->reason);
    return true;
  }
  query.history_from_ms = HistoryFrom(project, env_->NowMillis());
  return queries_->AnswerOnPool(
      req, "error group", project,
      [this, query = std::move(query)](Store& store) -> Result<std::string> {
        ErrorsContext context;
        context.maps = maps_;
        context.states = states_->Snapshot(query.project);
        return RunErrorDetail(store, query, context);
      });
}

bool ErrorRoutes::HandleStatus(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = queries_->Authorize(req, FindParam(params, "project"), res);
  if (project.empty()) return true;
  std::string fingerprint = FingerprintOf(req, res);
  if (fingerprint.empty()) return true;
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  std::string_view status;
  if (parser.parse(req.body().data(), req.body().size()).get(body) != simdjson::SUCCESS) {
    SetError(res, 400, "invalid_body", "body", "must be a JSON object: {\"status\": ...}");
    return true;
  }
  if (body["status"].get(status) != simdjson::SUCCESS || !ErrorStates::ValidStatus(status)) {
    SetError(res, 400, "invalid_body", "status", "must be open, resolved or ignored");
    return true;
  }
  const int64_t now = env_->NowMillis();
  ErrorsQuery query;
  query.project = project;
  query.fingerprint = fingerprint;
  query.from_ms = HistoryFrom(project, now);
  query.history_from_ms = query.from_ms;
  query.to_ms = now + 1;
  query.occurrences = 0;
  return queries_->AnswerOnPool(
      req, "error status", project,
      [this, query = std::move(query), status = std::string(status),
       now](Store& store) -> Result<std::string> {
        // The group must exist: a mistyped fingerprint is refused rather than remembered.
        ErrorsContext context;
        context.maps = maps_;
        Result<std::string> group = RunErrorDetail(store, query, context);
        if (!group.ok()) return group.status();
        SL_RETURN_IF_ERROR(states_->Set(query.project, query.fingerprint, status, now));
        JsonWriter w;
        w.BeginObject();
        w.Key("fingerprint");
        w.String(query.fingerprint);
        w.Key("status");
        w.String(status);
        w.Key("status_changed");
        w.Int(now);
        w.EndObject();
        return w.Take();
      });
}

std::string ErrorRoutes::AuthorizeUpload(const HttpRequest& req, const std::string* project,
                                         HttpResponse* res, bool or_read) const {
  std::string_view auth = req.header(http::field::authorization);
  constexpr std::string_view kBearer = "Bearer ";
  const char* what = or_read ? "upload or read token" : "upload token";
  if (auth.size() <= kBearer.size() || !EqualsIgnoreCase(auth.substr(0, kBearer.size()), kBearer)) {
    SetError(res, 401, "unauthenticated", "Authorization",
             std::string("send Authorization: Bearer <") + what + ">");
    res->headers.emplace_back("WWW-Authenticate", "Bearer");
    return "";
  }
  std::string token(auth.substr(kBearer.size()));
  const std::string* owner = nullptr;
  if (auto u = project_by_upload_token_.find(token); u != project_by_upload_token_.end()) {
    owner = &u->second;
  } else if (auto r = project_by_read_token_.find(token);
             or_read && r != project_by_read_token_.end()) {
    owner = &r->second;
  }
  if (owner == nullptr) {
    if (project_by_read_token_.count(token) > 0) {
      SetError(res, 403, "forbidden", "Authorization",
               "a read token cannot upload source maps: use one of the project's upload_tokens");
    } else {
      SetError(res, 401, "unauthenticated", "Authorization", std::string("unknown ") + what);
      res->headers.emplace_back("WWW-Authenticate", "Bearer");
    }
    return "";
  }
  if (project == nullptr || project->empty()) {
    SetError(res, 400, "invalid_query", "project", "is required");
    return "";
  }
  if (*project != *owner) {
    SetError(res, 403, "forbidden", "project", "this token belongs to another project");
    return "";
  }
  return *owner;
}

bool ErrorRoutes::HandleUpload(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = AuthorizeUpload(req, FindParam(params, "project"), res, false);
  if (project.empty()) return true;
  const std::string* release = FindParam(params, "release");
  if (release == nullptr || release->empty() || release->size() > 200) {
    SetError(res, 400, "invalid_query", "release", "is required (at most 200 bytes)");
    return true;
  }
  const std::string* url = FindParam(params, "url");
  if (url == nullptr || SourceMapStore::KeyOf(*url).empty()) {
    SetError(res, 400, "invalid_query", "url",
             "must be the bundle's absolute http(s) URL, or its path starting with /");
    return true;
  }
  std::string scratch;
  std::string_view decoded;
  switch (DecodeBody(req.header(http::field::content_encoding), req.body(), max_map_bytes_,
                     &scratch, &decoded)) {
    case DecodeOutcome::kOk:
      break;
    case DecodeOutcome::kUnsupportedEncoding:
      SetError(res, 415, "unsupported_encoding", "Content-Encoding", "use gzip or none");
      return true;
    case DecodeOutcome::kTooLarge:
      SetError(res, 413, "too_large", "body",
               "larger than limits.max_sourcemap_bytes once inflated");
      return true;
    case DecodeOutcome::kCorrupt:
      SetError(res, 400, "invalid_body", "body", "not valid gzip");
      return true;
  }
  std::string map(decoded);
  // Parsing a large map takes tens of milliseconds: on the pool, as queries run.
  boost::asio::post(*pool_, [this, project, release = *release, url = *url, map = std::move(map),
                             respond = Defer(req)] {
    HttpResponse out;
    SourceMapStore::Entry entry;
    Status s = maps_->Put(project, release, url, map, env_->NowMillis(), &entry);
    if (s.code() == Status::Code::kInvalidArgument) {
      // "mappings: invalid Base64 character ..." names the map's field before the colon.
      const std::string& message = s.message();
      size_t colon = message.find(": ");
      bool named = colon != std::string::npos && message.find(' ') > colon;
      SetError(&out, 400, "invalid_sourcemap", named ? message.substr(0, colon) : "body",
               named ? message.substr(colon + 2) : message);
    } else if (!s.ok()) {
      logger_->Error("source map upload failed", {{"project", project}, {"error", s.ToString()}});
      // The error names server paths: it goes to the log, not to the client.
      SetError(&out, 500, "internal", "", "the source map could not be stored; see the server log");
    } else {
      logger_->Info("source map stored", {{"project", project},
                                          {"release", release},
                                          {"url", entry.url},
                                          {"bytes", std::to_string(entry.bytes)}});
      JsonWriter w;
      w.BeginObject();
      w.Key("project");
      w.String(project);
      w.Key("release");
      w.String(release);
      w.Key("url");
      w.String(entry.url);
      w.Key("bytes");
      w.Int(static_cast<int64_t>(entry.bytes));
      w.EndObject();
      out.status = 201;
      out.body = w.Take();
    }
    respond(std::move(out));
  });
  return false;
}

bool ErrorRoutes::HandleListMaps(const HttpRequest& req, HttpResponse* res) {
  QueryParams params = ParseQueryString(req.query);
  std::string project = AuthorizeUpload(req, FindParam(params, "project"), res, true);
  if (project.empty()) return true;
  const std::string* release = FindParam(params, "release");
  if (release == nullptr || release->empty()) {
    SetError(res, 400, "invalid_query", "release", "is required");
    return true;
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("maps");
  w.BeginArray();
  for (const SourceMapStore::Entry& e : maps_->List(project, *release)) {
    w.BeginObject();
    w.Key("url");
    w.String(e.url);
    w.Key("bytes");
    w.Int(static_cast<int64_t>(e.bytes));
    w.Key("uploaded");
    w.Int(e.uploaded_ms);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  res->body = w.Take();
  return true;
}

}  // namespace sightline
