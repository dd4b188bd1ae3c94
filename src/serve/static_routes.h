// Files compiled into the binary (the demo page and the browser agent's bundle; the dashboard
// later), served with their content type, an ETag and their Cache-Control. The table is generated
// at build time (cmake/embed_assets.cmake, listed in src/serve/CMakeLists.txt).
#pragma once

#include <string>
#include <string_view>

#include "serve/http_server.h"

namespace sightline {

struct EmbeddedAsset {
  std::string_view path;  // URL path, e.g. "/" or "/demo/app.js"
  std::string_view content_type;
  std::string_view cache_control;
  std::string_view data;
};

// Generated: every embedded asset.
extern const EmbeddedAsset kEmbeddedAssets[];
extern const size_t kEmbeddedAssetCount;

void RegisterStaticRoutes(HttpServer* server);

// GET /dashboard-config.json: what the dashboard needs from the server's configuration —
// {"rum_key": <server.dashboard_rum_key> | null}, the key it reports its own page loads with.
void RegisterDashboardConfigRoute(HttpServer* server, const std::string& rum_key);

}  // namespace sightline
