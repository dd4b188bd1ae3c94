#include "ingest/json_error_locator.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

TEST(JsonErrorLocatorTest, PointsAtTheFirstBadByte) {
  EXPECT_EQ(LocateJsonSyntaxError(R"({"a":1})"), kNoJsonError);
  EXPECT_EQ(LocateJsonSyntaxError(R"({"a":1,})"), 7u);
  EXPECT_EQ(LocateJsonSyntaxError(R"({"a" 1})"), 5u);
  EXPECT_EQ(LocateJsonSyntaxError(R"([1,2)"), 4u);
  EXPECT_EQ(LocateJsonSyntaxError(R"({"a":tru})"), 8u);
  EXPECT_EQ(LocateJsonSyntaxError(R"({"a":01})"), 6u);
  EXPECT_EQ(LocateJsonSyntaxError("{} x"), 3u);
  EXPECT_EQ(LocateJsonSyntaxError(""), 0u);
  EXPECT_EQ(LocateJsonSyntaxError(R"({"v":1e400})"), 5u);  // overflows a double
  EXPECT_EQ(LocateJsonSyntaxError(R"([1, 123456789012345678901234567890])"), 4u);  // beyond 64 bits
  EXPECT_EQ(LocateJsonSyntaxError(R"([-9223372036854775808, 18446744073709551615, 1e-400])"),
            kNoJsonError);
}

TEST(JsonErrorLocatorTest, FindsInvalidUtf8) {
  EXPECT_EQ(LocateInvalidUtf8("plain é 😀"), kNoJsonError);
  EXPECT_EQ(LocateInvalidUtf8("ab\xff"), 2u);
  EXPECT_EQ(LocateInvalidUtf8("a\xc3"), 1u);          // truncated sequence
  EXPECT_EQ(LocateInvalidUtf8("a\xc0\xaf"), 1u);      // overlong
  EXPECT_EQ(LocateInvalidUtf8("a\xed\xa0\x80"), 1u);  // surrogate
}

}  // namespace
}  // namespace sightline
