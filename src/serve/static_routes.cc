#include "serve/static_routes.h"

#include <cstdio>

#include "common/json_writer.h"
#include "store/coding.h"

namespace sightline {

namespace {

// The dashboard and the demo page: never framed (clickjacking), no referrer leaves them (the
// dashboard's URL holds its filters), scripts and connections only from this origin. Styles may be
// inline (the dashboard's page carries its stylesheet); scripts only on the demo page, whose
// inline snippet is the one the README asks sites to paste.
void AddPageSecurityHeaders(HttpResponse* res, bool inline_scripts) {
  res->headers.emplace_back("X-Frame-Options", "DENY");
  res->headers.emplace_back("Referrer-Policy", "no-referrer");
  res->headers.emplace_back(
      "Content-Security-Policy",
      std::string("default-src 'self'; script-src 'self'") +
          (inline_scripts ? " 'unsafe-inline'" : "") +
          "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
          "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
}

}  // namespace

void RegisterStaticRoutes(HttpServer* server) {
  for (size_t idx = 0; idx < kEmbeddedAssetCount; ++idx) {
    const EmbeddedAsset& asset = kEmbeddedAssets[idx];
    char etag[16];
    std::snprintf(etag, sizeof(etag), "\"%08x\"", Crc32(asset.data));
    server->Handle(http::verb::get, std::string(asset.path), "static",
                   [asset, etag = std::string(etag)](const HttpRequest& req, HttpResponse* res) {
                     res->headers.emplace_back("ETag", etag);
                     res->headers.emplace_back("Cache-Control", std::string(asset.cache_control));
                     res->headers.emplace_back("X-Content-Type-Options", "nosniff");
                     if (asset.content_type == "text/html") {
                       AddPageSecurityHeaders(res, /*inline_scripts=*/asset.path == "/demo/");
                     }
                     // Scripts may be loaded with crossorigin="anonymous" (full error details).
                     if (asset.content_type == "application/javascript") res->allow_origin = "*";
                     if (req.header(http::field::if_none_match) == etag) {
                       res->status = 304;
                       res->content_type.clear();  // no body: nothing to describe
                       return true;
                     }
                     res->content_type = std::string(asset.content_type);
                     if (asset.content_type.substr(0, 5) == "text/" ||
                         asset.content_type == "application/javascript") {
                       res->content_type += "; charset=utf-8";
                     }
                     res->body.assign(asset.data);
                     return true;
                   });
  }
}

void RegisterDashboardConfigRoute(HttpServer* server, const std::string& rum_key) {
  JsonWriter w;
  w.BeginObject();
  w.Key("rum_key");
  if (rum_key.empty()) {
    w.Null();
  } else {
    w.String(rum_key);
  }
  w.EndObject();
  server->Handle(http::verb::get, "/dashboard-config.json", "static",
                 [body = w.Take()](const HttpRequest&, HttpResponse* res) {
                   res->headers.emplace_back("Cache-Control", "no-cache");
                   res->body = body;
                   return true;
                 });
}

}  // namespace sightline
