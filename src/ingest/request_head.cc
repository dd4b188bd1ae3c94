#include "ingest/request_head.h"

#include "common/strings.h"

namespace sightline {

namespace http = boost::beast::http;

RequestHead PeekRequestHead(std::string_view raw) {
  RequestHead head;
  size_t line_end = raw.find("\r\n");
  std::string_view line = raw.substr(0, line_end);
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return head;
  head.method = http::string_to_verb(boost::beast::string_view(line.data(), space));
  line.remove_prefix(space + 1);
  head.target = line.substr(0, line.find(' '));
  // Header lines: "Name: value" up to the blank line or the end of what arrived; a line cut off
  // by the end of `raw` is not read.
  while (line_end != std::string_view::npos) {
    size_t start = line_end + 2;
    line_end = raw.find("\r\n", start);
    if (line_end == std::string_view::npos || line_end == start) break;
    std::string_view field = raw.substr(start, line_end - start);
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = field.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    std::string_view name = field.substr(0, colon);
    if (EqualsIgnoreCase(name, "Origin")) head.origin = value;
    if (EqualsIgnoreCase(name, "Content-Type")) head.content_type = value;
  }
  return head;
}

}  // namespace sightline
