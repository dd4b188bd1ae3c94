#include "store/coding.h"

#include <gtest/gtest.h>

#include <string>

namespace sightline {
namespace {

// The check value docs/storage-format.md gives: files written by any build must keep verifying.
TEST(Crc32Test, IsZlibsCrc32) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(""), 0u);
}

TEST(Crc32Test, ExtendEqualsTheCrcOfTheConcatenation) {
  std::string data;
  for (int i = 0; i < 5000; ++i) data.push_back(static_cast<char>(i * 7919 % 251));
  for (size_t split : {size_t{0}, size_t{1}, size_t{4}, size_t{63}, size_t{1000}, data.size()}) {
    std::string_view all(data);
    EXPECT_EQ(Crc32Extend(Crc32(all.substr(0, split)), all.substr(split)), Crc32(all)) << split;
  }
}

}  // namespace
}  // namespace sightline
