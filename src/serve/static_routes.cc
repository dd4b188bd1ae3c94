#include "serve/static_routes.h"

#include <cstdio>

#include "common/json_writer.h"
#include "store/coding.h"

namespace sightline {

void RegisterStaticRoutes(HttpServer* server) {
  for (size_t idx = 0; idx < kEmbeddedAssetCount; ++idx) {
    const EmbeddedAsset& asset = kEmbeddedAssets[idx];
    char etag[16];
    std::snprintf(etag, sizeof(etag), "\"%08x\"", Crc32(asset.data));
    server->Handle(http::verb::get, std::string(asset.path), "static",
                   [asset, etag = std::string(etag)](const HttpRequest& req, HttpResponse* res) {
                     res->headers.emplace_back("ETag", etag);
                     res->headers.emplace_back("Cache-Control", std::string(asset.cache_control));
                     // Scripts may be loaded with crossorigin="anonymous" (full error details).
                     if (asset.content_type == "application/javascript") res->allow_origin = "*";
                     if (req.header(http::field::if_none_match) == etag) {
                       res->status = 304;
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
