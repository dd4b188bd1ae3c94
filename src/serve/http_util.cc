#include "serve/http_util.h"

#include "common/json_writer.h"
#include "common/strings.h"

namespace sightline {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t idx = 0; idx < in.size(); ++idx) {
    char c = in[idx];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && idx + 2 < in.size() && HexValue(in[idx + 1]) >= 0 &&
               HexValue(in[idx + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[idx + 1]) * 16 + HexValue(in[idx + 2])));
      idx += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

QueryParams ParseQueryString(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        params.emplace_back(Decode(pair), "");
      } else {
        params.emplace_back(Decode(pair.substr(0, eq)), Decode(pair.substr(eq + 1)));
      }
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

void SetError(HttpResponse* res, unsigned status, std::string_view error, std::string_view field,
              std::string_view reason) {
  JsonWriter w;
  w.BeginObject();
  w.Key("error");
  w.String(error);
  if (!field.empty()) {
    w.Key("field");
    w.String(field);
  }
  w.Key("reason");
  w.String(reason);
  w.EndObject();
  res->status = status;
  res->content_type = "application/json";
  res->body = w.Take();
}

std::string IngestKeyOf(const HttpRequest& req, std::string fallback) {
  if (std::string_view header = req.header(std::string_view("X-Sightline-Key")); !header.empty()) {
    return std::string(header);
  }
  for (auto& [name, value] : ParseQueryString(req.query)) {
    if (name == "key") fallback = std::move(value);
  }
  return fallback;
}

std::string_view IngestResultLabel(unsigned status) {
  if (status >= 200 && status < 300) return "accepted";
  switch (status) {
    case 400:
      return "invalid";
    case 401:
      return "unknown_key";
    case 403:
      return "origin_not_allowed";
    case 413:
      return "too_large";
    case 415:
      return "unsupported";
    case 429:
      return "rate_limited";
    default:
      return "unavailable";
  }
}

void AnswerIngestPreflight(const HttpRequest& req, const Admission& admission,
                           std::string_view allow_headers, HttpResponse* res) {
  std::string_view origin = req.header(http::field::origin);
  std::string key;
  for (auto& [name, value] : ParseQueryString(req.query)) {
    if (name == "key") key = std::move(value);
  }
  const ProjectConfig* project = key.empty() ? nullptr : admission.ProjectForKey(key);
  const bool allowed = project != nullptr ? Admission::OriginAllowed(*project, origin)
                                          : admission.AnyProjectAllows(origin);
  if (origin.empty() || !allowed) {
    SetError(res, 403, "origin_not_allowed", "Origin",
             "this origin is not in any project's allowed_origins");
    return;
  }
  res->status = 204;
  res->content_type = "text/plain";
  res->allow_origin.assign(origin);
  res->headers.emplace_back("Access-Control-Allow-Methods", "POST, OPTIONS");
  res->headers.emplace_back("Access-Control-Allow-Headers", std::string(allow_headers));
  res->headers.emplace_back("Access-Control-Max-Age", "86400");
}

std::string_view VisitorAddressOf(const HttpRequest& req, const TrustedProxies& proxies,
                                  std::string* scratch) {
  if (proxies.empty()) return req.client;
  std::string forwarded_for_lines, forwarded_lines;
  return ClientBytesOf(proxies, req.client,
                       req.header_list("X-Forwarded-For", &forwarded_for_lines),
                       req.header_list("Forwarded", &forwarded_lines), scratch);
}

}  // namespace sightline
