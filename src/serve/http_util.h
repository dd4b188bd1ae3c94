// Small HTTP helpers shared by the routes: query-string parsing and JSON error bodies.
#pragma once

#include <string>
#include <string_view>

#include "common/json_writer.h"
#include "ingest/admission.h"
#include "ingest/client_address.h"
#include "ingest/request_head.h"
#include "query/metrics_query.h"
#include "serve/http_server.h"

namespace sightline {

// Splits "a=1&b=x%20y" into decoded pairs ('+' decodes to a space). Malformed escapes are kept
// literally.
QueryParams ParseQueryString(std::string_view query);

// The ingest key a server-to-server request names: the X-Sightline-Key header, else ?key=, else
// `fallback` (a key the body carried); "" when none.
std::string IngestKeyOf(const HttpRequest& req, std::string fallback = {});

// The visitor's address bytes for `req`: the peer's, or the address a trusted proxy forwarded in
// X-Forwarded-For or Forwarded, every line of them read (a line the client wrote before the
// proxy's own is not the visitor). The result may view `scratch`.
std::string_view VisitorAddressOf(const HttpRequest& req, const TrustedProxies& proxies,
                                  std::string* scratch);

// The `result` label of an ingest route's request counter for an answer's status: accepted (2xx),
// invalid, unknown_key, origin_not_allowed, too_large, unsupported, rate_limited, unavailable.
std::string_view IngestResultLabel(unsigned status);

// Answers a CORS preflight of an ingest route: 204 allowing POST and `allow_headers` for an
// origin the key's project (?key=) allows, or any project when there is no key; else 403.
void AnswerIngestPreflight(const HttpRequest& req, const Admission& admission,
                           std::string_view allow_headers, HttpResponse* res);

// Sets `res` to `status` with {"error": error, "field": field (if any), "reason": reason}.
void SetError(HttpResponse* res, unsigned status, std::string_view error, std::string_view field,
              std::string_view reason);

// Writes "rejected": [{"index", "field", "reason"}, ...], the per-item refusals of a 202 answer
// (beacon events, traffic counts).
template <typename Rejection>
void WriteRejected(JsonWriter& w, const std::vector<Rejection>& rejected) {
  w.Key("rejected");
  w.BeginArray();
  for (const Rejection& r : rejected) {
    w.BeginObject();
    w.Key("index");
    w.Int(static_cast<int64_t>(r.index));
    w.Key("field");
    w.String(r.field);
    w.Key("reason");
    w.String(r.reason);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace sightline
