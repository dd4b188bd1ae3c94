// The command line's HTTP client (`sightline query`, `sightline sourcemaps`): one blocking
// request per connection to a Sightline server, with a bearer token.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "app/loadgen_client.h"
#include "common/status.h"

namespace sightline {

// Percent-encodes all but letters, digits and - _ . ~ , : / * ! (readable in query values).
std::string UrlEncode(std::string_view s);

// Sends `method` ("GET" or "POST") to `target` with `Authorization: Bearer <token>` and, for
// POST, `body` as `content_type`. Returns the status and body (up to 64 MiB). Errors: IOError
// "host:port: reason" when the server cannot be reached or the exchange fails within `timeout_s`.
Result<std::pair<unsigned, std::string>> SendRequest(const Target& target, std::string_view method,
                                                     const std::string& token,
                                                     std::string body = {},
                                                     std::string_view content_type = {},
                                                     int timeout_s = 3 * kRequestTimeoutSeconds);

}  // namespace sightline
