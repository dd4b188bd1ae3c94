#include "errors/source_map_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/env.h"
#include "store/test_util.h"

namespace sightline {
namespace {

constexpr char kMap[] = R"({"version":3,"sources":["a.js"],"names":[],"mappings":"AAAA"})";

// Every file under `root`, relative to it.
std::vector<std::string> FilesUnder(const std::string& root) {
  std::vector<std::string> files;
  for (auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      files.push_back(std::filesystem::relative(entry.path(), root).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(SourceMapStoreTest, ReleasesOfDotsStayInsideTheProjectsDirectory) {
  TempDir dir;
  const std::string maps_dir = JoinPath(dir.path(), "sourcemaps");
  {
    auto store = SourceMapStore::Open(maps_dir, 1 << 20);
    ASSERT_TRUE(store.ok());
    for (const char* release : {".", "..", "...", ".hidden"}) {
      ASSERT_TRUE((*store)->Put("shop", release, "/app.js", kMap, 1000).ok()) << release;
    }
  }
  for (const std::string& file : FilesUnder(dir.path())) {
    EXPECT_EQ(file.rfind("sourcemaps/shop/", 0), 0u) << file;
    // One directory per release under the project's: <release>/<file>.
    EXPECT_EQ(std::count(file.begin(), file.end(), '/'), 3) << file;
  }
  auto reopened = SourceMapStore::Open(maps_dir, 1 << 20);
  ASSERT_TRUE(reopened.ok());
  for (const char* release : {".", "..", "...", ".hidden"}) {
    auto listed = (*reopened)->List("shop", release);
    ASSERT_EQ(listed.size(), 1u) << release;
    EXPECT_EQ(listed[0].url, "/app.js");
    EXPECT_NE((*reopened)->Find("shop", release, "https://cdn.example/app.js"), nullptr) << release;
  }
}

TEST(SourceMapStoreTest, AnUploadAfterATornIndexLineSurvivesARestart) {
  TempDir dir;
  {
    auto store = SourceMapStore::Open(dir.path(), 1 << 20);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Put("shop", "1.0", "/a.js", kMap, 1000).ok());
  }
  auto torn = Env::Default()->OpenAppend(JoinPath(dir.path(), "shop/1.0/index.jsonl"));
  ASSERT_TRUE(torn.ok());
  ASSERT_TRUE((*torn)->Append(R"({"url":"/b.js","fi)").ok());
  {
    auto store = SourceMapStore::Open(dir.path(), 1 << 20);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Put("shop", "1.0", "/c.js", kMap, 2000).ok());
  }
  auto store = SourceMapStore::Open(dir.path(), 1 << 20);
  ASSERT_TRUE(store.ok());
  std::vector<std::string> urls;
  for (const auto& entry : (*store)->List("shop", "1.0")) urls.push_back(entry.url);
  EXPECT_EQ(urls, (std::vector<std::string>{"/a.js", "/c.js"}));
}

}  // namespace
}  // namespace sightline
