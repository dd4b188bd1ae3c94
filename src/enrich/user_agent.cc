#include "enrich/user_agent.h"

#include <re2/re2.h>
#include <re2/set.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>

#include "common/strings.h"

namespace sightline {

// One regex of a list with its replacements: slot k holds the replacement of output k (family,
// major, minor, ...), or nothing when output k is the regex's group k + 1.
struct UserAgentParser::Rule {
  std::unique_ptr<re2::RE2> regex;
  std::array<std::optional<std::string>, 5> replacement;
};

struct UserAgentParser::RuleList {
  std::vector<Rule> rules;
  std::unique_ptr<re2::RE2::Set> first_match;  // null when RE2 could not build the set

  // The first rule that matches `text` and its groups ($1..$9; unmatched groups are empty).
  const Rule* Match(std::string_view text, std::array<std::string_view, 10>* groups) const;
};

namespace {

constexpr size_t kMaxGroups = 9;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `pattern` with $1..$9 replaced by the groups, trimmed.
std::string Substitute(std::string_view pattern, const std::array<std::string_view, 10>& groups) {
  std::string out;
  out.reserve(pattern.size() + 16);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '$' && i + 1 < pattern.size() && pattern[i + 1] >= '1' &&
        pattern[i + 1] <= '9') {
      out.append(groups[static_cast<size_t>(pattern[i + 1] - '0')]);
      ++i;
    } else {
      out.push_back(pattern[i]);
    }
  }
  return std::string(Trim(out));
}

// Output k of a matched rule: its replacement, else group k + 1 (when `group_fallback`).
std::string Output(const UserAgentParser::Rule& rule, size_t k,
                   const std::array<std::string_view, 10>& groups, size_t group) {
  if (rule.replacement[k]) return Substitute(*rule.replacement[k], groups);
  if (group == 0 || group > kMaxGroups) return {};
  return std::string(Trim(groups[group]));
}

Result<std::unique_ptr<UserAgentParser::RuleList>> CompileList(
    const YAML::Node& list, std::string_view list_name,
    const std::array<const char*, 5>& replacement_keys) {
  if (!list || !list.IsSequence()) {
    return Status::InvalidArgument("regexes.yaml has no list " + std::string(list_name));
  }
  auto out = std::make_unique<UserAgentParser::RuleList>();
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(int64_t{64} << 20);
  re2::RE2::Options set_options = options;
  set_options.set_max_mem(int64_t{256} << 20);
  auto set = std::make_unique<re2::RE2::Set>(set_options, re2::RE2::UNANCHORED);
  bool set_ok = true;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node& item = list[i];
    if (!item["regex"]) {
      return Status::InvalidArgument(std::string(list_name) + "[" + std::to_string(i) +
                                     "] has no regex");
    }
    std::string pattern = item["regex"].as<std::string>();
    if (item["regex_flag"] && item["regex_flag"].as<std::string>() == "i") {
      pattern = "(?i)" + pattern;
    }
    UserAgentParser::Rule rule;
    rule.regex = std::make_unique<re2::RE2>(pattern, options);
    if (!rule.regex->ok()) {
      return Status::InvalidArgument(std::string(list_name) + "[" + std::to_string(i) +
                                     "]: RE2 cannot compile " + pattern + ": " +
                                     rule.regex->error());
    }
    for (size_t k = 0; k < replacement_keys.size(); ++k) {
      if (replacement_keys[k] == nullptr) continue;
      const YAML::Node& r = item[replacement_keys[k]];
      if (r && !r.IsNull()) rule.replacement[k] = r.as<std::string>();
    }
    if (set_ok && set->Add(pattern, nullptr) != static_cast<int>(i)) set_ok = false;
    out->rules.push_back(std::move(rule));
  }
  if (set_ok && set->Compile()) out->first_match = std::move(set);
  return out;
}

}  // namespace

const UserAgentParser::Rule* UserAgentParser::RuleList::Match(
    std::string_view text, std::array<std::string_view, 10>* groups) const {
  re2::StringPiece input(text.data(), text.size());
  std::array<re2::StringPiece, 10> submatch;
  auto capture = [&](const Rule& rule) {
    int n = std::min(rule.regex->NumberOfCapturingGroups() + 1, 10);
    if (!rule.regex->Match(input, 0, input.size(), re2::RE2::UNANCHORED, submatch.data(), n)) {
      return false;
    }
    for (size_t g = 0; g < groups->size(); ++g) {
      (*groups)[g] = g < static_cast<size_t>(n) && submatch[g].data() != nullptr
                         ? std::string_view(submatch[g].data(), submatch[g].size())
                         : std::string_view();
    }
    return true;
  };
  if (first_match) {
    std::vector<int> matched;
    re2::RE2::Set::ErrorInfo error;
    if (first_match->Match(input, &matched, &error)) {
      const Rule& rule =
          rules[static_cast<size_t>(*std::min_element(matched.begin(), matched.end()))];
      if (capture(rule)) return &rule;
    } else if (error.kind == re2::RE2::Set::kNoError) {
      return nullptr;  // nothing matched
    }
    // The set's DFA ran out of memory on this input: try the list in order.
  }
  for (const Rule& rule : rules) {
    if (capture(rule)) return &rule;
  }
  return nullptr;
}

UserAgentParser::UserAgentParser() = default;
UserAgentParser::~UserAgentParser() = default;

Result<std::unique_ptr<UserAgentParser>> UserAgentParser::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  YAML::Node root;
  try {
    root = YAML::Load(in);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ": " + e.what());
  }
  std::unique_ptr<UserAgentParser> parser(new UserAgentParser());
  try {
    auto browsers = CompileList(
        root["user_agent_parsers"], "user_agent_parsers",
        {"family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", nullptr});
    if (!browsers.ok()) return browsers.status();
    auto systems = CompileList(root["os_parsers"], "os_parsers",
                               {"os_replacement", "os_v1_replacement", "os_v2_replacement",
                                "os_v3_replacement", "os_v4_replacement"});
    if (!systems.ok()) return systems.status();
    auto devices = CompileList(
        root["device_parsers"], "device_parsers",
        {"device_replacement", "brand_replacement", "model_replacement", nullptr, nullptr});
    if (!devices.ok()) return devices.status();
    parser->browsers_ = std::move(browsers).value();
    parser->systems_ = std::move(systems).value();
    parser->devices_ = std::move(devices).value();
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ": " + e.what());
  }
  return parser;
}

UserAgentInfo UserAgentParser::Parse(std::string_view user_agent) const {
  UserAgentInfo info;
  std::array<std::string_view, 10> groups;
  auto or_other = [](std::string s) { return s.empty() ? std::string("Other") : s; };
  if (const Rule* rule = browsers_->Match(user_agent, &groups)) {
    info.browser = or_other(Output(*rule, 0, groups, 1));
    info.browser_major = Output(*rule, 1, groups, 2);
    info.browser_minor = Output(*rule, 2, groups, 3);
    info.browser_patch = Output(*rule, 3, groups, 4);
  }
  if (const Rule* rule = systems_->Match(user_agent, &groups)) {
    info.os = or_other(Output(*rule, 0, groups, 1));
    info.os_major = Output(*rule, 1, groups, 2);
    info.os_minor = Output(*rule, 2, groups, 3);
    info.os_patch = Output(*rule, 3, groups, 4);
    info.os_patch_minor = Output(*rule, 4, groups, 5);
  }
  if (const Rule* rule = devices_->Match(user_agent, &groups)) {
    info.device = or_other(Output(*rule, 0, groups, 1));
    info.brand = Output(*rule, 1, groups, 0);
    info.model = Output(*rule, 2, groups, 1);
  }
  return info;
}

namespace {

bool OneOf(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

std::string_view Unquote(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// The first `parts` dot-separated numbers of a version: ("14.4.1", 2) → "14.4".
std::string_view VersionPrefix(std::string_view version, int parts) {
  size_t end = 0;
  for (int p = 0; p < parts && end != std::string_view::npos; ++p) {
    end = version.find('.', p == 0 ? 0 : end + 1);
  }
  return version.substr(0, end);
}

int MajorOf(std::string_view version) {
  int major = 0;
  for (char c : version) {
    if (c < '0' || c > '9') break;
    major = major * 10 + (c - '0');
    if (major > 100000) break;
  }
  return major;
}

const std::initializer_list<std::string_view> kMobileSystems = {
    "iOS",       "Android",        "Windows Phone", "BlackBerry OS", "BlackBerry Tablet OS",
    "KaiOS",     "Symbian OS",     "Symbian^3",     "Firefox OS",    "Tizen",
    "HarmonyOS", "Sailfish",       "webOS",         "Bada",          "MeeGo",
    "Maemo",     "Windows Mobile", "Windows CE",    "Ubuntu Touch"};
const std::initializer_list<std::string_view> kDesktopSystems = {
    "Windows", "Mac OS X",  "Linux",      "Ubuntu",     "Kubuntu",   "Xubuntu",  "Lubuntu",
    "Debian",  "Fedora",    "Red Hat",    "CentOS",     "SUSE",      "openSUSE", "Mandriva",
    "Gentoo",  "Slackware", "Arch Linux", "Linux Mint", "Chrome OS", "ChromeOS", "FreeBSD",
    "OpenBSD", "NetBSD",    "Solaris",    "Haiku"};

}  // namespace

ClientSoftware DescribeClient(const UserAgentInfo& info, std::string_view user_agent,
                              const ClientHints& hints) {
  ClientSoftware out;
  out.browser = info.browser;
  out.browser_version = info.browser_major;
  out.os = info.os;
  out.os_version = info.os_major;
  if (!info.os_major.empty() && !info.os_minor.empty()) out.os_version += "." + info.os_minor;

  // Client Hints know what the frozen User-Agent string no longer says.
  std::string_view platform = Unquote(hints.platform);
  std::string_view platform_version = Unquote(hints.platform_version);
  if (platform == "Windows") {
    out.os = "Windows";
    int major = MajorOf(platform_version);
    if (major >= 13) {
      out.os_version = "11";
    } else if (major >= 1) {
      out.os_version = "10";
    }
  } else if (platform == "macOS") {
    out.os = "Mac OS X";
    if (!platform_version.empty()) out.os_version = std::string(VersionPrefix(platform_version, 2));
  } else if (platform == "Android" || platform == "Chrome OS" || platform == "iOS") {
    out.os = std::string(platform);
    if (!platform_version.empty()) {
      out.os_version = std::string(VersionPrefix(platform_version, platform == "iOS" ? 2 : 1));
    }
  } else if (platform == "Linux" && out.os == "Other") {
    out.os = "Linux";
  }

  std::string_view device = info.device;
  std::string_view model = info.model;
  bool android = out.os == "Android";
  if (device == "Spider") {
    out.device_type = "bot";
  } else if (hints.mobile == "?1") {
    out.device_type = "mobile";
  } else if (hints.mobile == "?0" && android) {
    out.device_type = "tablet";  // Android without the mobile hint: a tablet
  } else if (device == "iPad" || device == "Generic Tablet" || device == "Kindle" ||
             model.find("Tablet") != std::string_view::npos ||
             user_agent.find("Tablet") != std::string_view::npos ||
             (android && user_agent.find("Mobile") == std::string_view::npos)) {
    out.device_type = "tablet";
  } else if (OneOf(out.os, kMobileSystems) || device == "Generic Smartphone" ||
             device == "Generic Feature Phone" ||
             user_agent.find("Mobile") != std::string_view::npos) {
    out.device_type = "mobile";
  } else if (OneOf(out.os, kDesktopSystems) && (device == "Other" || device == "Mac")) {
    out.device_type = "desktop";
  } else {
    out.device_type = "other";
  }
  return out;
}

UserAgentCache::UserAgentCache(const UserAgentParser* parser, size_t capacity)
    : parser_(parser), capacity_(std::max<size_t>(capacity, 1)) {}

const UserAgentInfo& UserAgentCache::Parse(std::string_view user_agent) {
  if (auto it = index_.find(user_agent); it != index_.end()) {
    ++hits_;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->info;
  }
  ++misses_;
  if (lru_.size() >= capacity_) {
    index_.erase(lru_.back().user_agent);
    lru_.pop_back();
  }
  lru_.push_front({std::string(user_agent), parser_->Parse(user_agent)});
  index_.emplace(lru_.front().user_agent, lru_.begin());
  return lru_.front().info;
}

}  // namespace sightline
