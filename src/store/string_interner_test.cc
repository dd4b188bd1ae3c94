#include "store/string_interner.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace sightline {
namespace {

TEST(StringInternerTest, EqualStringsShareAnIdAndNewOnesAreAppended) {
  std::vector<std::string> dict{""};
  StringInterner interner;
  EXPECT_EQ(interner.Intern("mobile", &dict), 1u);
  EXPECT_EQ(interner.Intern("desktop", &dict), 2u);
  EXPECT_EQ(interner.Intern(std::string("mo") + "bile", &dict), 1u);
  EXPECT_EQ(interner.Intern("", &dict), 0u);
  EXPECT_EQ(dict, (std::vector<std::string>{"", "mobile", "desktop"}));
}

TEST(StringInternerTest, ManyValuesKeepTheirIdsAsTheTableGrows) {
  std::vector<std::string> dict{""};
  StringInterner interner;
  std::unordered_map<std::string, uint32_t> expected;
  for (int round = 0; round < 3; ++round) {
    for (int value = 0; value < 20000; ++value) {
      // Values that differ in one byte, of lengths on both sides of the hash's short-input paths.
      std::string s = "/products/" + std::to_string(value) + std::string(value % 300, 'x');
      uint32_t id = interner.Intern(s, &dict);
      auto [it, added] = expected.emplace(s, id);
      ASSERT_EQ(it->second, id) << s;
      ASSERT_EQ(dict[id], s);
    }
  }
  EXPECT_EQ(dict.size(), expected.size() + 1);
}

TEST(InternedStringsTest, IdsInOrderOfArrivalAndStringsBackById) {
  InternedStrings set;
  EXPECT_EQ(set.Intern(""), 0u);
  EXPECT_EQ(set.size(), 1u);
  std::vector<std::string> values;
  for (int i = 0; i < 100000; ++i) values.push_back("session-" + std::to_string(i * 7919));
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(set.Intern(values[i]), i + 1);
    EXPECT_EQ(set.Intern(values[i / 2]), i / 2 + 1);  // already there: the same id
  }
  EXPECT_EQ(set.size(), values.size() + 1);
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(set[static_cast<uint32_t>(i + 1)], values[i]);
  EXPECT_EQ(set[0], "");
}

TEST(StringInternerTest, ClearStartsAFreshDictionary) {
  std::vector<std::string> dict{""};
  StringInterner interner;
  interner.Intern("a", &dict);
  interner.Intern("b", &dict);
  interner.Clear();
  dict.assign(1, "");
  EXPECT_EQ(interner.Intern("b", &dict), 1u);
  EXPECT_EQ(interner.Intern("a", &dict), 2u);
}

}  // namespace
}  // namespace sightline
