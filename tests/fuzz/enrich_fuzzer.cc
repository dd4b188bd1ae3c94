// Fuzz target: any bytes as the free text the enrichment stage reads from outside — a User-Agent
// string with Client Hints, a URL path for routes, and text for the PII scrubber. None may crash or
// read out of bounds; the scrubber's output is free of what it scrubs (a second pass finds
// nothing to redact), and a route is a path.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/config.h"
#include "enrich/routes.h"
#include "enrich/scrubber.h"
#include "enrich/user_agent.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sightline;
  static const auto* parser = UserAgentParser::Load(UserAgentConfig().regexes).value().release();
  static const PiiScrubber scrubber(PrivacyConfig().secret_params);
  static const std::vector<RouteRule> rules = {{"/blog/*", "/blog/:slug"}, {"/docs/**", "/docs"}};
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // The first line is the User-Agent, the second the platform hint, the third its version.
  std::string_view rest = input;
  auto line = [&rest] {
    size_t newline = rest.find('\n');
    std::string_view l = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    return l;
  };
  std::string_view user_agent = line();
  ClientHints hints{"?1", line(), line()};
  if (user_agent.size() < 2048) {
    ClientSoftware software = DescribeClient(parser->Parse(user_agent), user_agent, hints);
    if (software.device_type.empty()) __builtin_trap();
  }

  std::string route = RouteOf(input, rules);
  if (route.empty()) __builtin_trap();

  std::string text(input);
  PiiCounts counts{};
  scrubber.Scrub(&text, &counts);
  PiiCounts again{};
  std::string twice = text;
  scrubber.Scrub(&twice, &again);
  for (uint64_t n : again) {
    if (n != 0) __builtin_trap();
  }
  return 0;
}
