// The head of a request the HTTP parser refused (headers too large, a malformed line): what can be
// read of it to answer in its route's way, with CORS for the page that sent it.
#pragma once

#include <string_view>

#include "common/asio.h"

namespace sightline {

// What can be read of a request whose header did not parse (too large, malformed): the request
// line's method and target, and the Origin and Content-Type fields when they are whole. Views
// into `raw`; fields not found are empty (method: unknown).
struct RequestHead {
  boost::beast::http::verb method = boost::beast::http::verb::unknown;
  std::string_view target;
  std::string_view origin;
  std::string_view content_type;
};
RequestHead PeekRequestHead(std::string_view raw);

}  // namespace sightline
