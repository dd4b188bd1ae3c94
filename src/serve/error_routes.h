// The errors API (docs/query-api.md, "Errors"):
// - GET /api/v1/errors: error groups (read token);
// - GET /api/v1/errors/{fingerprint}: a group with its breakdowns and recent occurrences, stacks
//   mapped (read token);
// - PATCH /api/v1/errors/{fingerprint}: {"status": "open" | "resolved" | "ignored"} (read token);
// - POST /api/v1/sourcemaps?project=&release=&url=: a source map as the body, for the bundle at
//   `url` (a URL, or a path matching any origin) of `release` (upload token: the project's
//   `upload_tokens`); GET /api/v1/sourcemaps?project=&release= lists a release's maps (upload
//   or read token).
// Queries run on the query pool, as QueryRoutes' do; a map is parsed there too.
#pragma once

#include <string>
#include <unordered_map>

#include "common/asio.h"
#include "common/config.h"
#include "common/env.h"
#include "common/logger.h"
#include "errors/error_states.h"
#include "errors/source_map_store.h"
#include "serve/http_server.h"
#include "serve/query_routes.h"
#include "store/store.h"

namespace sightline {

class ErrorRoutes {
 public:
  // Queries run through `queries` (its pool, limits and store).
  ErrorRoutes(Env* env, Logger* logger, const Config& config, QueryRoutes* queries,
              SourceMapStore* maps, ErrorStates* states, boost::asio::thread_pool* pool);
  void Register(HttpServer* server);

 private:
  bool HandleList(const HttpRequest& req, HttpResponse* res);
  bool HandleGroup(const HttpRequest& req, HttpResponse* res);
  bool HandleStatus(const HttpRequest& req, HttpResponse* res);
  bool HandleUpload(const HttpRequest& req, HttpResponse* res);
  bool HandleListMaps(const HttpRequest& req, HttpResponse* res);
  // The fingerprint in /api/v1/errors/{fingerprint}, or "" after filling `res` with 404.
  std::string FingerprintOf(const HttpRequest& req, HttpResponse* res) const;
  // The project an upload token belongs to, or "" after filling `res` with 400/401/403. With
  // `or_read`, a read token of the project is accepted too.
  std::string AuthorizeUpload(const HttpRequest& req, const std::string* project, HttpResponse* res,
                              bool or_read) const;
  int64_t HistoryFrom(const std::string& project, int64_t to_ms) const;

  Env* env_;
  Logger* logger_;
  QueryRoutes* queries_;
  SourceMapStore* maps_;
  ErrorStates* states_;
  boost::asio::thread_pool* pool_;
  uint64_t max_map_bytes_;
  std::unordered_map<std::string, std::string> project_by_upload_token_;
  std::unordered_map<std::string, std::string> project_by_read_token_;
  std::unordered_map<std::string, int64_t> retention_ms_;
};

}  // namespace sightline
