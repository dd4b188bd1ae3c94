// Routes: URL paths turned into the routes pages are grouped by. A project's rules
// (projects[].routes) are tried first, in order; a path no rule matches keeps its segments except
// the volatile ones — numbers, UUIDs, long hex strings and base64-like tokens — which become `:id`.
// Query strings are dropped; so are fragments, except a hash router's route (#/cart/42 or
// #!/cart/42) where the project keeps hash routes (the default): "/#/cart/:id".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"

namespace sightline {

// "/users/12345/orders/9f8e7d6c5b4a39281706?tab=2" → "/users/:id/orders/:id";
// "/app#/orders/12345" → "/app#/orders/:id" with `hash_routes` ("/app" without). Rules match the
// path with its hash route ("/app#/orders/*").
std::string RouteOf(std::string_view path, const std::vector<RouteRule>& rules,
                    bool hash_routes = true);

// An API call's endpoint: the URL's host (without port or credentials) and its path templated as
// RouteOf does with no rules — "https://api.shop.example:443/v1/users/42?x=1" →
// "api.shop.example/v1/users/:id"; a relative URL keeps its templated path only.
std::string RequestRouteOf(std::string_view url);

// Whether `path` matches a rule's pattern: `*` matches one segment, a final `**` any rest.
bool RouteRuleMatches(std::string_view pattern, std::string_view path);

// Whether one path segment is an identifier rather than a name (see above).
bool IsVolatileSegment(std::string_view segment);

}  // namespace sightline
