#include "enrich/routes.h"

#include <cctype>

#include "common/strings.h"

namespace sightline {
namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

// Splits off the next segment of `path` (which starts after a '/').
std::string_view NextSegment(std::string_view* path) {
  size_t slash = path->find('/');
  std::string_view segment = path->substr(0, slash);
  path->remove_prefix(slash == std::string_view::npos ? path->size() : slash + 1);
  return segment;
}

}  // namespace

bool IsVolatileSegment(std::string_view s) {
  if (s.empty()) return false;
  size_t digits = 0, letters = 0, hex = 0, dashes = 0, other = 0;
  for (char c : s) {
    if (IsDigit(c)) {
      ++digits;
    } else if (IsAlpha(c)) {
      ++letters;
    } else if (c == '-') {
      ++dashes;
    } else if (c != '_' && c != '=' && c != '~') {
      ++other;
    }
    if (IsHex(c)) ++hex;
  }
  if (digits == s.size()) return true;  // 12345
  if (IsUuid(s)) return true;
  if (other > 0) return false;
  // A long hex string with a digit in it (commit hashes, object ids): 9f8e7d6c5b4a.
  if (hex == s.size() && s.size() >= 12 && digits > 0) return true;
  // A base64-like token: long, letters and digits mixed, not words joined by dashes.
  return s.size() >= 16 && digits >= 2 && letters >= 2 && dashes <= 1;
}

bool RouteRuleMatches(std::string_view pattern, std::string_view path) {
  if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
  pattern.remove_prefix(1);
  path.remove_prefix(1);
  while (true) {
    if (pattern == "**") return true;
    std::string_view want = NextSegment(&pattern);
    bool path_done = path.empty();
    std::string_view have = NextSegment(&path);
    if (want == "*") {
      if (have.empty() && path_done) return false;
    } else if (want != have) {
      return false;
    }
    if (pattern == "**") return true;
    if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
  }
}

namespace {

// A path (no query or fragment) with its volatile segments as ":id".
std::string TemplatePath(std::string_view path) {
  if (path.empty()) return "/";
  std::string route;
  route.reserve(path.size());
  bool absolute = path[0] == '/';
  if (absolute) path.remove_prefix(1);
  bool first = true;
  while (true) {
    bool last = path.find('/') == std::string_view::npos;
    std::string_view segment = NextSegment(&path);
    if (!first || absolute) route.push_back('/');
    first = false;
    route.append(IsVolatileSegment(segment) ? std::string_view(":id") : segment);
    if (last) break;
  }
  return route;
}

}  // namespace

std::string RouteOf(std::string_view path, const std::vector<RouteRule>& rules, bool hash_routes) {
  const size_t hash = path.find('#');
  const std::string_view hash_route =
      hash_routes && hash != std::string_view::npos ? HashRouteOf(path.substr(hash + 1)) : "";
  path = path.substr(0, path.find_first_of("?#"));
  if (path.empty()) path = "/";
  std::string full(path);
  if (!hash_route.empty()) full.append("#").append(hash_route);
  for (const RouteRule& rule : rules) {
    if (RouteRuleMatches(rule.match, full)) return rule.route;
  }
  std::string route = TemplatePath(path);
  if (!hash_route.empty()) route.append("#").append(TemplatePath(hash_route));
  return route;
}

std::string RequestRouteOf(std::string_view url) {
  std::string_view host, path = url;
  if (size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    std::string_view rest = url.substr(scheme + 3);
    const size_t end = rest.find_first_of("/?#");
    host = rest.substr(0, end);
    path = end == std::string_view::npos ? "/" : rest.substr(end);
    if (size_t at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
    if (size_t colon = host.rfind(':'); colon != std::string_view::npos && host.back() != ']') {
      host = host.substr(0, colon);
    }
  }
  const size_t cut = path.find_first_of("?#");
  if (cut != std::string_view::npos) path = path.substr(0, cut);
  if (path.empty()) path = "/";
  return std::string(host) + RouteOf(path, {}, false);
}

}  // namespace sightline
