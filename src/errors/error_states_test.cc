#include "errors/error_states.h"

#include <gtest/gtest.h>

#include "common/env.h"
#include "store/test_util.h"

namespace sightline {
namespace {

// A line cut short (a crash or a full disk mid-append) never takes the changes after it along.
TEST(ErrorStatesTest, AChangeAfterATornLineSurvivesARestart) {
  TempDir dir;
  {
    auto states = ErrorStates::Open(dir.path());
    ASSERT_TRUE(states.ok());
    ASSERT_TRUE((*states)->Set("shop", "aaaa", "resolved", 1000).ok());
  }
  auto torn = Env::Default()->OpenAppend(JoinPath(dir.path(), "shop.jsonl"));
  ASSERT_TRUE(torn.ok());
  ASSERT_TRUE((*torn)->Append(R"({"fingerprint":"bbbb","sta)").ok());
  {
    auto states = ErrorStates::Open(dir.path());
    ASSERT_TRUE(states.ok());
    ASSERT_TRUE((*states)->Set("shop", "cccc", "ignored", 2000).ok());
  }
  auto states = ErrorStates::Open(dir.path());
  ASSERT_TRUE(states.ok());
  auto snapshot = (*states)->Snapshot("shop");
  EXPECT_EQ(snapshot["aaaa"].status, "resolved");
  EXPECT_EQ(snapshot["cccc"].status, "ignored");
  EXPECT_EQ(snapshot.count("bbbb"), 0u);
}

}  // namespace
}  // namespace sightline
