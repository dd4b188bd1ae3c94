#include "serve/http_util.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

TEST(HttpUtilTest, ParsesAndDecodesQueryStrings) {
  QueryParams params = ParseQueryString("a=1&b=x%20y+z&filter=tier%3Apaid&flag&=v&c=%zz&d=%4");
  ASSERT_EQ(params.size(), 7u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(params[1].second, "x y z");
  EXPECT_EQ(params[2].second, "tier:paid");
  EXPECT_EQ(params[3], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(params[4].first, "");
  EXPECT_EQ(params[5].second, "%zz");  // malformed escapes stay literal
  EXPECT_EQ(params[6].second, "%4");
}

TEST(HttpUtilTest, ErrorBodiesNameTheFieldAndReason) {
  HttpResponse res;
  SetError(&res, 400, "invalid_query", "stats", "unknown \"x\"");
  EXPECT_EQ(res.status, 400u);
  EXPECT_EQ(res.body, R"({"error":"invalid_query","field":"stats","reason":"unknown \"x\""})");
}

}  // namespace
}  // namespace sightline
