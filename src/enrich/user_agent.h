// User agent: browser, OS and device of a User-Agent string, by uap-core's regexes.yaml (the
// Debian package uap-core ships it at /usr/share/uap-core/regexes.yaml), compiled with RE2, and
// the device type derived from them and from User-Agent Client Hints when the browser sends them.
//
// Parsing follows uap-core's specification: each parser list (user agent, OS, device) is tried in
// order, the first regex that matches (unanchored) wins, `$1`..`$9` in replacements stand for
// the match's groups, results are trimmed and an empty result counts as unknown; a string no regex
// matches is of family "Other". An RE2::Set over each list finds the first matching regex in one
// pass instead of trying the list in turn.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace sightline {

struct UserAgentInfo {
  std::string browser = "Other";  // uap-core family: "Chrome Mobile", "Firefox", "Safari"
  std::string browser_major, browser_minor, browser_patch;
  std::string os = "Other";  // "Android", "iOS", "Windows", "Mac OS X"
  std::string os_major, os_minor, os_patch, os_patch_minor;
  std::string device = "Other";  // "iPhone", "Samsung SM-G991B", "Spider"
  std::string brand, model;
};

// The browser's User-Agent Client Hints (Sec-CH-UA-*), as received; empty when absent.
struct ClientHints {
  std::string_view mobile;            // Sec-CH-UA-Mobile: ?1 or ?0
  std::string_view platform;          // Sec-CH-UA-Platform: "Android"
  std::string_view platform_version;  // Sec-CH-UA-Platform-Version: "14.0.0" (high entropy)
};

// What the collector stores of a visitor's software and device.
struct ClientSoftware {
  std::string device_type;               // desktop, mobile, tablet, bot, other
  std::string browser, browser_version;  // family and major version
  std::string os, os_version;            // family and version: "14", "10.15", "11"
};

class UserAgentParser {
 public:
  // Reads and compiles a uap-core regexes.yaml. Errors: NotFound, InvalidArgument (not YAML, a
  // regex RE2 cannot compile, a list missing).
  static Result<std::unique_ptr<UserAgentParser>> Load(const std::string& path);
  ~UserAgentParser();
  UserAgentParser(const UserAgentParser&) = delete;
  UserAgentParser& operator=(const UserAgentParser&) = delete;

  // Thread-safe; no caching (see UserAgentCache).
  UserAgentInfo Parse(std::string_view user_agent) const;

  struct Rule;
  struct RuleList;

 private:
  UserAgentParser();
  std::unique_ptr<RuleList> browsers_, systems_, devices_;
};

// The stored view of a parsed user agent, with Client Hints applied: a desktop, mobile or tablet
// type, the OS version the hints give where the User-Agent string is frozen (Windows 11 reports
// "Windows NT 10.0"; Android and macOS report fixed versions), and "bot" for crawlers.
ClientSoftware DescribeClient(const UserAgentInfo& info, std::string_view user_agent,
                              const ClientHints& hints);

// A bounded least-recently-used cache of Parse (user-agent strings repeat heavily). Not
// thread-safe: one per thread.
class UserAgentCache {
 public:
  UserAgentCache(const UserAgentParser* parser, size_t capacity);
  const UserAgentInfo& Parse(std::string_view user_agent);
  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }

 private:
  struct Entry {
    std::string user_agent;
    UserAgentInfo info;
  };
  const UserAgentParser* parser_;
  size_t capacity_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
  size_t hits_ = 0, misses_ = 0;
};

}  // namespace sightline
