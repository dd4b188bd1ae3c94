#include "serve/ops_routes.h"

namespace sightline {

void RegisterOpsRoutes(HttpServer* server, MetricsRegistry* metrics,
                       std::function<std::string()> health) {
  server->Handle(http::verb::get, "/healthz", "healthz",
                 [health = std::move(health)](const HttpRequest&, HttpResponse* res) {
                   res->body = health();
                   return true;
                 });
  server->Handle(http::verb::get, "/metrics", "metrics",
                 [metrics](const HttpRequest&, HttpResponse* res) {
                   res->content_type = "text/plain; version=0.0.4; charset=utf-8";
                   res->body = metrics->Render();
                   return true;
                 });
}

}  // namespace sightline
