// Operational endpoints: GET /healthz (JSON liveness and store state) and GET /metrics
// (Prometheus text format). Both are cheap and unauthenticated: bind the server to a private
// address or put it behind a proxy if the metrics must not be public.
#pragma once

#include <functional>
#include <string>

#include "common/metrics.h"
#include "serve/http_server.h"

namespace sightline {

// `health` returns the JSON object /healthz answers.
void RegisterOpsRoutes(HttpServer* server, MetricsRegistry* metrics,
                       std::function<std::string()> health);

}  // namespace sightline
