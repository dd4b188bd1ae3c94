#include "enrich/scrubber.h"

#include <gtest/gtest.h>

#include "common/config.h"

namespace sightline {
namespace {

std::string Scrubbed(std::string text, PiiCounts* counts = nullptr) {
  static const PiiScrubber scrubber(PrivacyConfig().secret_params);
  PiiCounts local{};
  scrubber.Scrub(&text, counts != nullptr ? counts : &local);
  return text;
}

struct Case {
  const char* in;
  const char* out;
};

TEST(PiiScrubber, EveryPatternCompiles) {
  EXPECT_TRUE(PiiScrubber(PrivacyConfig().secret_params).ok());
}

TEST(PiiScrubber, RedactsEachKind) {
  const Case cases[] = {
      {"mail jane.doe+shop@example.co.uk now", "mail [REDACTED_EMAIL] now"},
      {"call +44 20 7946 0958.", "call [REDACTED_PHONE]."},
      {"call (555) 123-4567 today", "call [REDACTED_PHONE] today"},
      {"call 555-123-4567", "call [REDACTED_PHONE]"},
      {"tel +1.415.555.0132", "tel [REDACTED_PHONE]"},
      {"call +33 1 42 68 53 00", "call [REDACTED_PHONE]"},
      {"ssn 123-45-6789", "ssn [REDACTED_SSN]"},
      {"card 4111 1111 1111 1111 declined", "card [REDACTED_CARD] declined"},
      {"card 5500-0000-0000-0004", "card [REDACTED_CARD]"},
      {"card 378282246310005", "card [REDACTED_CARD]"},
      {"from 203.0.113.42 at", "from [REDACTED_IPV4] at"},
      {"https://198.51.100.7:8443/x", "https://[REDACTED_IPV4]:8443/x"},
      {"peer 2001:db8::8a2e:370:7334 closed", "peer [REDACTED_IPV6] closed"},
      {"peer 2001:0db8:85a3:0000:0000:8a2e:0370:7334", "peer [REDACTED_IPV6]"},
      {"peer ::1", "peer [REDACTED_IPV6]"},
      {"auth "
       "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_"
       "XgL0n3I9PlFUP0THsR8U x",
       "auth [REDACTED_JWT] x"},
      {"Authorization: Bearer abcDEF123456ghiJKL789", "Authorization: Bearer [REDACTED_BEARER]"},
      {"https://shop.example/cb?code=9f8e7&state=ok&Token=abc",
       "https://shop.example/cb?code=[REDACTED_PARAM]&state=ok&Token=[REDACTED_PARAM]"},
      {"/login?user=jane&password=hunter2#top", "/login?user=jane&password=[REDACTED_PARAM]#top"},
      {"/r?api%5Fkey=s3cr3t", "/r?api%5Fkey=[REDACTED_PARAM]"},
  };
  for (const Case& c : cases) EXPECT_EQ(Scrubbed(c.in), c.out) << c.in;
}

TEST(PiiScrubber, LeavesLegitimateValuesAlone) {
  const char* const kept[] = {
      "2026-11-28T05:32:33.120Z",
      "at 2026-11-28 10:00:01 UTC",
      "took 1234 ms (1.234 s)",
      "ts=1732771953123",  // a millisecond timestamp: 13 digits, no card prefix
      "release 2.4.1 build 2.4.1-rc.3",
      "Chrome/131.0.6778.85 Safari/537.36",
      "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
      "traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "color #ff00aa and #0f0",
      "12:30:45 and 08:00",
      "TypeError: Cannot read properties of undefined (reading 'total') at checkout.js:847:12",
      "https://shop.example/products/123?page=2&sort=price",
      "a bearer of good news",
      "order 1234567890123",  // 13 digits, no network prefix
      "mac 00:1A:2B:3C:4D:5E",
      "{\"width\":1280,\"height\":800,\"ratio\":1.5}",
      "version 1.2.3.4.5 of the 10.0.0 line",
  };
  for (const char* text : kept) EXPECT_EQ(Scrubbed(text), text);
}

TEST(PiiScrubber, CountsByTypeAndKeepsJsonValid) {
  PiiCounts counts{};
  std::string json = Scrubbed(
      R"({"url":"https://x.example/?token=abc","by":"a@b.example","ip":"10.1.2.3"})", &counts);
  EXPECT_EQ(json, R"({"url":"https://x.example/?token=[REDACTED_PARAM]","by":"[REDACTED_EMAIL]",)"
                  R"("ip":"[REDACTED_IPV4]"})");
  EXPECT_EQ(counts[static_cast<size_t>(PiiType::kParam)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(PiiType::kEmail)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(PiiType::kIpv4)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(PiiType::kCard)], 0u);
}

TEST(PiiScrubber, CardNumbersMustPassLuhn) {
  EXPECT_EQ(Scrubbed("card 4111 1111 1111 1112"), "card 4111 1111 1111 1112");
}

}  // namespace
}  // namespace sightline
