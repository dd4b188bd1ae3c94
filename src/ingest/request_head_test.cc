#include "ingest/request_head.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

TEST(RequestHeadTest, PeeksTheRouteAndOriginOfAHeaderThatDidNotParse) {
  RequestHead head = PeekRequestHead(
      "POST /v1/beacon?key=k HTTP/1.1\r\nHost: x\r\nbroken line\r\norigin:  https://a.example \r\n"
      "Content-Type: text/plain\r\nX-Filler: aaaa");
  EXPECT_EQ(head.method, boost::beast::http::verb::post);
  EXPECT_EQ(head.target, "/v1/beacon?key=k");
  EXPECT_EQ(head.origin, "https://a.example");
  EXPECT_EQ(head.content_type, "text/plain");
  // A field cut off by the end of what arrived is not read.
  EXPECT_EQ(PeekRequestHead("GET / HTTP/1.1\r\nOrigin: https://a.exa").origin, "");
  EXPECT_EQ(PeekRequestHead("garbage").method, boost::beast::http::verb::unknown);
  EXPECT_EQ(PeekRequestHead("").target, "");
}

}  // namespace
}  // namespace sightline
