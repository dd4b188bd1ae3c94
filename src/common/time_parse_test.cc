#include "common/time_parse.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

TEST(TimeParseTest, AcceptsTheIso8601FormsPeopleType) {
  EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseTimestamp("2026-11-27T10:00:00Z"), 1795773600000);
  EXPECT_EQ(ParseTimestamp("2026-11-27T10:00:00.250Z"), 1795773600250);
  EXPECT_EQ(ParseTimestamp("2026-11-27T11:00:00+01:00"), 1795773600000);
  EXPECT_EQ(ParseTimestamp("2026-11-27T11:00:00 01:00"), 1795773600000);  // '+' decoded as ' '
  EXPECT_EQ(ParseTimestamp("2026-11-27T05:00:00-05:00"), 1795773600000);
  EXPECT_EQ(ParseTimestamp("2026-11-27T10:00"), 1795773600000);
  EXPECT_EQ(ParseTimestamp("2026-11-27"), 1795737600000);
  EXPECT_EQ(ParseTimestamp("2024-02-29T00:00:00Z"), 1709164800000);
  EXPECT_EQ(ParseTimestamp("1795773600000"), 1795773600000);
}

TEST(TimeParseTest, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "yesterday", "2026-13-01", "2026-11-27T25:00", "2026-11-27T10:00:00Zjunk", "2026/11/27",
        "2026-11-27T10:00:00.", "2026-02-30", "2026-02-29"}) {
    EXPECT_FALSE(ParseTimestamp(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace sightline
