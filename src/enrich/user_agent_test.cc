#include "enrich/user_agent.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <iostream>
#include <map>

namespace sightline {
namespace {

const std::string kUapCore = "/usr/share/uap-core";

const UserAgentParser& Parser() {
  static const std::unique_ptr<UserAgentParser> parser = [] {
    auto loaded = UserAgentParser::Load(kUapCore + "/regexes.yaml");
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    return loaded.ok() ? std::move(loaded).value() : nullptr;
  }();
  return *parser;
}

std::string Field(const YAML::Node& node, const char* name) {
  const YAML::Node& v = node[name];
  return v && !v.IsNull() ? v.as<std::string>() : std::string();
}

// Runs one of uap-core's suites: the share of cases whose every expected field agrees, with the
// first disagreements printed by field so their classes can be read off the log.
double Agreement(const std::string& suite,
                 const std::vector<std::pair<const char*, std::string UserAgentInfo::*>>& fields) {
  YAML::Node cases = YAML::LoadFile(kUapCore + "/tests/" + suite)["test_cases"];
  size_t agree = 0;
  std::map<std::string, size_t> misses_by_field;
  size_t shown = 0;
  for (const YAML::Node& c : cases) {
    std::string ua = Field(c, "user_agent_string");
    UserAgentInfo info = Parser().Parse(ua);
    bool all = true;
    for (const auto& [name, member] : fields) {
      std::string expected = Field(c, name);
      if (info.*member != expected) {
        all = false;
        ++misses_by_field[name];
        if (shown++ < 12) {
          std::cout << suite << " " << name << ": expected '" << expected << "' got '"
                    << info.*member << "' for " << ua << "\n";
        }
      }
    }
    agree += all;
  }
  double rate = cases.size() == 0 ? 0 : static_cast<double>(agree) / cases.size();
  std::cout << suite << ": " << agree << " of " << cases.size() << " agree (" << rate * 100 << "%)";
  for (const auto& [name, n] : misses_by_field) std::cout << "; " << name << " wrong in " << n;
  std::cout << "\n";
  return rate;
}

TEST(UserAgentParser, PassesUapCoreUserAgentSuite) {
  EXPECT_GE(Agreement("test_ua.yaml", {{"family", &UserAgentInfo::browser},
                                       {"major", &UserAgentInfo::browser_major},
                                       {"minor", &UserAgentInfo::browser_minor},
                                       {"patch", &UserAgentInfo::browser_patch}}),
            0.995);
}

TEST(UserAgentParser, PassesUapCoreOsSuite) {
  EXPECT_GE(Agreement("test_os.yaml", {{"family", &UserAgentInfo::os},
                                       {"major", &UserAgentInfo::os_major},
                                       {"minor", &UserAgentInfo::os_minor},
                                       {"patch", &UserAgentInfo::os_patch},
                                       {"patch_minor", &UserAgentInfo::os_patch_minor}}),
            0.995);
}

TEST(UserAgentParser, PassesUapCoreDeviceSuite) {
  EXPECT_GE(Agreement("test_device.yaml", {{"family", &UserAgentInfo::device},
                                           {"brand", &UserAgentInfo::brand},
                                           {"model", &UserAgentInfo::model}}),
            0.995);
}

}  // namespace
}  // namespace sightline
