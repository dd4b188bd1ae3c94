// Files compiled into the binary (the demo page today, the dashboard and the agent later), served
// with their content type, an ETag and caching headers. The table is generated at build time from
// the repository's web/ files (cmake/embed_assets.cmake).
#pragma once

#include <string_view>

#include "serve/http_server.h"

namespace sightline {

struct EmbeddedAsset {
  std::string_view path;  // URL path, e.g. "/" or "/demo/app.js"
  std::string_view content_type;
  std::string_view data;
};

// Generated: every embedded asset.
extern const EmbeddedAsset kEmbeddedAssets[];
extern const size_t kEmbeddedAssetCount;

void RegisterStaticRoutes(HttpServer* server);

}  // namespace sightline
