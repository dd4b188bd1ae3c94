#include "errors/error_grouping.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "errors/error_states.h"
#include "errors/source_map_store.h"

namespace sightline {
namespace {

TEST(NormalizeMessageTest, VolatilePartsAreReplaced) {
  EXPECT_EQ(NormalizeMessage("Order 1732771953123 of release 2.4.1 not found"),
            "Order <n> of release <n> not found");
  EXPECT_EQ(NormalizeMessage("Cannot read properties of undefined (reading 'total')"),
            "Cannot read properties of undefined (reading <q>)");
  EXPECT_EQ(NormalizeMessage("Loading chunk 847 failed. (timeout: "
                             "https://shop.example/static/js/847.3f2b8c1e.chunk.js)"),
            "Loading chunk <n> failed. (timeout: <url>)");
  EXPECT_EQ(NormalizeMessage("session 3f2b8c1e-9d4a-4b2c-8e1f-0a1b2c3d4e5f expired"),
            "session <id> expired");
  EXPECT_EQ(NormalizeMessage("user_12345   not\nallowed"), "user_<n> not allowed");
  EXPECT_EQ(NormalizeMessage("Unexpected token '<', \"<!doctype \"... is not valid JSON"),
            "Unexpected token <q>, <q>... is not valid JSON");
  EXPECT_EQ(NormalizeMessage("deadbeef is not a function"), "deadbeef is not a function");
}

TEST(NormalizePathTest, SourcesAndScripts) {
  EXPECT_EQ(NormalizeSourcePath("webpack://shop/./src/checkout.js"), "src/checkout.js");
  EXPECT_EQ(NormalizeSourcePath("../src/checkout.js"), "src/checkout.js");
  EXPECT_EQ(NormalizeSourcePath("https://example.com/src/a.ts?x"), "src/a.ts");
  EXPECT_EQ(NormalizeScriptPath("https://shop.example/static/js/main.8c1e9d4a.js?v=2"),
            "/static/js/main.<hash>.js");
  EXPECT_EQ(NormalizeScriptPath("https://cdn.example/847.3f2b8c1e.chunk.js"),
            "/<n>.<hash>.chunk.js");
}

// Maps by (release, script URL), standing in for uploaded ones.
class MapsByRelease : public SourceMapResolver {
 public:
  void Add(std::string release, std::string url, const std::string& json) {
    Result<std::shared_ptr<const SourceMap>> map = SourceMap::Parse(json);
    ASSERT_TRUE(map.ok()) << map.status().message();
    maps_[{std::move(release), std::move(url)}] = *map;
  }
  std::shared_ptr<const SourceMap> Find(std::string_view, std::string_view release,
                                        std::string_view url) override {
    auto it = maps_.find({std::string(release), std::string(UrlWithoutQuery(url))});
    return it == maps_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const SourceMap>> maps_;
};

constexpr char kSource[] =
    "function applyDiscount(order) {\\n"
    "  return order.coupon.percent;\\n"
    "}\\n"
    "function submit(order) {\\n"
    "  const total = applyDiscount(order);\\n"
    "  return total.toFixed(2);\\n"
    "}\\n";

// One minified line: release 1 names applyDiscount `a` at column 10 and submit `b` at 40;
// release 2 moved both (and renamed them `x`, `y`).
std::string MapFor(int discount_column, int submit_column) {
  // Segments (0-based): [discount_column] → line 2 col 9 (order.coupon.percent),
  // [discount_column + 30]... kept simple: two segments, one per function body.
  auto vlq = [](int v) { return Base64Vlq(v); };
  std::string mappings = vlq(discount_column) + "A" + vlq(1) + vlq(9) + "," +
                         vlq(submit_column - discount_column) + "A" + vlq(4) + vlq(-9 + 15);
  return std::string(R"({"version":3,"sources":["../src/pricing.js"],"sourcesContent":[")") +
         kSource + R"("],"names":[],"mappings":")" + mappings + "\"}";
}

ErrorInput Input(
    std::string_view release, std::string_view stack,
    std::string_view message = "Cannot read properties of undefined (reading 'percent')") {
  ErrorInput in;
  in.project = "shop";
  in.release = release;
  in.kind = "TypeError";
  in.message = message;
  in.stack = stack;
  in.page_url = "https://shop.example/cart";
  return in;
}

TEST(IdentifyErrorTest, OneBugAcrossReleasesWithRenamedFunctionsIsOneGroup) {
  MapsByRelease maps;
  maps.Add("1.0", "https://shop.example/app.1111aaaa.js", MapFor(10, 40));
  maps.Add("2.0", "https://shop.example/app.2222bbbb.js", MapFor(110, 180));
  ErrorIdentity one =
      IdentifyError(Input("1.0",
                          "TypeError: x\n    at a (https://shop.example/app.1111aaaa.js:1:12)\n"
                          "    at b (https://shop.example/app.1111aaaa.js:1:45)"),
                    &maps, 2);
  ErrorIdentity two =
      IdentifyError(Input("2.0",
                          "TypeError: x\n    at x (https://shop.example/app.2222bbbb.js:1:115)\n"
                          "    at y (https://shop.example/app.2222bbbb.js:1:190)"),
                    &maps);
  ASSERT_EQ(one.frames.size(), 2u);
  EXPECT_TRUE(one.frames[0].mapped);
  EXPECT_EQ(one.frames[0].source, "../src/pricing.js");
  EXPECT_EQ(one.frames[0].source_line, 2);
  EXPECT_EQ(one.frames[0].source_column, 10);
  EXPECT_EQ(one.frames[0].function, "applyDiscount");
  EXPECT_EQ(one.frames[1].function, "submit");
  EXPECT_EQ(one.frames[0].generated.function, "a");
  ASSERT_TRUE(one.frames[0].context);
  EXPECT_EQ(one.frames[0].context->line, "  return order.coupon.percent;");
  EXPECT_EQ(one.frames[0].context->pre.size(), 1u);
  EXPECT_EQ(one.fingerprint, two.fingerprint);
  EXPECT_EQ(one.culprit, "applyDiscount (src/pricing.js)");
  EXPECT_EQ(one.fingerprint.size(), 16u);
}

TEST(IdentifyErrorTest, WithoutSourcesAFunctionIsNamedWhereItsCallerCallsIt) {
  // Generated column 10 → pricing.js 2:10 (the throw); column 40 → 5:16, the call of
  // applyDiscount (names[0]) in its caller.
  MapsByRelease maps;
  maps.Add("1.0", "https://shop.example/app.js",
           R"({"version":3,"sources":["../src/pricing.js"],"names":["applyDiscount"],)"
           R"("mappings":"UACS,8BAGMA"})");
  ErrorIdentity id =
      IdentifyError(Input("1.0",
                          "TypeError: x\n    at a (https://shop.example/app.js:1:12)\n"
                          "    at b (https://shop.example/app.js:1:45)"),
                    &maps);
  ASSERT_EQ(id.frames.size(), 2u);
  EXPECT_EQ(id.frames[0].source_line, 2);
  EXPECT_EQ(id.frames[1].source_line, 5);
  EXPECT_EQ(id.frames[0].function, "applyDiscount");
  EXPECT_EQ(id.frames[1].function, "b");  // nobody mapped calls it: the minified name stays
  EXPECT_FALSE(id.frames[0].context);
}

TEST(IdentifyErrorTest, DifferentBugsStayApart) {
  MapsByRelease maps;
  maps.Add("1.0", "https://shop.example/app.1111aaaa.js", MapFor(10, 40));
  auto fp = [&](std::string_view stack, std::string_view message) {
    return IdentifyError(Input("1.0", stack, message), &maps).fingerprint;
  };
  const char* in_discount = "TypeError: x\n    at a (https://shop.example/app.1111aaaa.js:1:12)";
  const char* in_submit = "TypeError: x\n    at b (https://shop.example/app.1111aaaa.js:1:45)";
  const char* message = "Cannot read properties of undefined (reading 'percent')";
  EXPECT_NE(fp(in_discount, message), fp(in_submit, message));  // another function
  ErrorInput other_type = Input("1.0", in_discount, message);
  other_type.kind = "RangeError";
  EXPECT_NE(fp(in_discount, message), IdentifyError(other_type, &maps).fingerprint);
  // Volatile parts of the message do not split a group.
  EXPECT_EQ(fp(in_discount, "order 1234 has no coupon"), fp(in_discount, "order 98 has no coupon"));
}

// The same fault as each engine words it, in the stack format each prints (V8, SpiderMonkey,
// JavaScriptCore). tests/e2e/errors.test.mjs does the same with a stack real Chromium printed.
constexpr char kChromeStack[] =
    "TypeError: Cannot read properties of undefined (reading 'percent')\n"
    "    at a (https://shop.example/app.1111aaaa.js:1:12)\n"
    "    at b (https://shop.example/app.1111aaaa.js:1:45)\n"
    "    at HTMLButtonElement.<anonymous> (https://shop.example/app.1111aaaa.js:1:90)";
constexpr char kFirefoxStack[] =
    "a@https://shop.example/app.1111aaaa.js:1:12\n"
    "b@https://shop.example/app.1111aaaa.js:1:45\n"
    "@https://shop.example/app.1111aaaa.js:1:90\n";
constexpr char kSafariStack[] =
    "a@https://shop.example/app.1111aaaa.js:1:21\n"
    "b@https://shop.example/app.1111aaaa.js:1:47\n"
    "@https://shop.example/app.1111aaaa.js:1:90\n"
    "dispatchEvent@[native code]";

TEST(IdentifyErrorTest, OneFaultIsOneGroupInEveryBrowser) {
  MapsByRelease maps;
  maps.Add("1.0", "https://shop.example/app.1111aaaa.js", MapFor(10, 40));
  ErrorIdentity chrome = IdentifyError(
      Input("1.0", kChromeStack, "Cannot read properties of undefined (reading 'percent')"), &maps);
  ErrorIdentity firefox = IdentifyError(
      Input("1.0", kFirefoxStack, "can't access property \"percent\", order.coupon is undefined"),
      &maps);
  ErrorIdentity safari = IdentifyError(
      Input("1.0", kSafariStack, "undefined is not an object (evaluating 'order.coupon.percent')"),
      &maps);
  EXPECT_EQ(chrome.culprit, "applyDiscount (src/pricing.js)");
  EXPECT_EQ(firefox.culprit, chrome.culprit);
  EXPECT_EQ(safari.culprit, chrome.culprit);
  EXPECT_EQ(firefox.fingerprint, chrome.fingerprint);
  EXPECT_EQ(safari.fingerprint, chrome.fingerprint);

  // Without source maps the engines' frames still agree on file and (unminified) function.
  auto bare = [](std::string_view stack, std::string_view message) {
    return IdentifyError(Input("1.0", stack, message), nullptr).fingerprint;
  };
  EXPECT_EQ(bare("TypeError: x\n    at applyDiscount (https://shop.example/app.js:2:20)",
                 "Cannot read properties of undefined (reading 'price')"),
            bare("applyDiscount@https://shop.example/app.js:2:22\n", "e is undefined"));
  EXPECT_EQ(bare("applyDiscount@https://shop.example/app.js:2:22\n", "e is undefined"),
            bare("applyDiscount@https://shop.example/app.js:2:20\n",
                 "undefined is not an object (evaluating 'e.price')"));
  // A minified function name says nothing: the message still tells bugs of one bundle apart.
  EXPECT_NE(
      bare("TypeError: x\n    at a (https://shop.example/app.js:1:12)", "e is undefined"),
      bare("TypeError: x\n    at a (https://shop.example/app.js:1:99)", "n.map is not a function"));
  // Without a stack, only the message and the reported position are there.
  ErrorInput no_stack = Input("1.0", "", "e is undefined");
  no_stack.file = "https://shop.example/app.js";
  ErrorInput other = Input("1.0", "", "n.map is not a function");
  other.file = no_stack.file;
  EXPECT_NE(IdentifyError(no_stack, nullptr).fingerprint,
            IdentifyError(other, nullptr).fingerprint);
}

TEST(IdentifyErrorTest, WithoutMapsLinesAndContentHashesDoNotCount) {
  auto fp = [](std::string_view release, std::string_view stack) {
    return IdentifyError(Input(release, stack), nullptr).fingerprint;
  };
  // A deploy moves the code and changes the bundle's hash: one group.
  EXPECT_EQ(fp("1.0", "E\n    at applyDiscount (https://shop.example/app.1111aaaa.js:1:12)"),
            fp("1.1", "E\n    at applyDiscount (https://shop.example/app.2222bbbb.js:7:99)"));
  // Another function, or another file: two groups.
  EXPECT_NE(fp("1.0", "E\n    at applyDiscount (https://shop.example/app.js:1:12)"),
            fp("1.0", "E\n    at submitOrder (https://shop.example/app.js:1:12)"));
  EXPECT_NE(fp("1.0", "E\n    at applyDiscount (https://shop.example/app.js:1:12)"),
            fp("1.0", "E\n    at applyDiscount (https://shop.example/admin.js:1:12)"));
  // Third-party frames are skipped when there is an in-app one.
  EXPECT_EQ(fp("1.0",
               "E\n    at t (https://cdn.vendor.example/lib.js:1:1)\n"
               "    at applyDiscount (https://shop.example/app.js:1:12)"),
            fp("1.0", "E\n    at applyDiscount (https://shop.example/app.js:1:12)"));
}

TEST(IdentifyErrorTest, NoStackUsesTheReportedPosition) {
  ErrorInput in = Input("1.0", "");
  in.file = "https://shop.example/app.js";
  in.line = 3;
  in.column = 7;
  ErrorIdentity id = IdentifyError(in, nullptr);
  ASSERT_EQ(id.frames.size(), 1u);
  EXPECT_EQ(id.frames[0].generated.line, 3);
  EXPECT_TRUE(id.frames[0].in_app);
  EXPECT_EQ(id.culprit, "app.js");
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("sightline-errors-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(SourceMapStoreTest, StoresPerReleaseFindsByUrlOrPathAndSurvivesARestart) {
  TempDir dir;
  const std::string map = MapFor(10, 40);
  {
    auto store = SourceMapStore::Open(dir.path(), 1 << 20);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Put("shop", "1.0", "https://cdn.example/app.js?v=1", map, 5).ok());
    ASSERT_TRUE((*store)->Put("shop", "1.0/beta", "~/static/app.js", map, 6).ok());
    Status bad = (*store)->Put("shop", "1.0", "https://cdn.example/bad.js", "{\"version\":2}", 7);
    EXPECT_EQ(bad.code(), Status::Code::kInvalidArgument);
    EXPECT_FALSE((*store)->Put("shop", "1.0", "app.js", map, 7).ok());  // neither URL nor path
    EXPECT_TRUE((*store)->Find("shop", "1.0", "https://cdn.example/app.js?v=2"));
    EXPECT_FALSE((*store)->Find("shop", "1.0", "https://other.example/app.js"));
    EXPECT_FALSE((*store)->Find("shop", "2.0", "https://cdn.example/app.js"));
    EXPECT_FALSE((*store)->Find("blog", "1.0", "https://cdn.example/app.js"));
    EXPECT_FALSE((*store)->Find("shop", "1.0", "https://cdn.example/bad.js"));
  }
  auto store = SourceMapStore::Open(dir.path(), 1 << 20);
  ASSERT_TRUE(store.ok());
  // A path matches the file on any origin.
  EXPECT_TRUE((*store)->Find("shop", "1.0/beta", "https://a.example/static/app.js"));
  EXPECT_TRUE((*store)->Find("shop", "1.0/beta", "https://b.example/static/app.js?x"));
  auto listed = (*store)->List("shop", "1.0");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].url, "https://cdn.example/app.js");
  EXPECT_EQ(listed[0].bytes, map.size());
  EXPECT_EQ((*store)->parses(), 1u);  // the second lookup came from the cache
}

TEST(SourceMapStoreTest, TheCacheStaysWithinItsBound) {
  TempDir dir;
  const std::string map = MapFor(10, 40);
  const size_t one = (*SourceMap::Parse(map))->MemoryBytes();
  auto store = SourceMapStore::Open(dir.path(), one * 2 + one / 2);
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 5; ++i) {
    std::string url = "/app" + std::to_string(i) + ".js";
    ASSERT_TRUE((*store)->Put("shop", "1", url, map, 1).ok());
    EXPECT_TRUE((*store)->Find("shop", "1", "https://x.example" + url));
    EXPECT_LE((*store)->cached_bytes(), one * 2 + one / 2);
  }
  EXPECT_EQ((*store)->cached_bytes(), one * 2);
  EXPECT_TRUE((*store)->Find("shop", "1", "https://x.example/app4.js"));  // recent: cached
  EXPECT_EQ((*store)->parses(), 5u);
  EXPECT_TRUE((*store)->Find("shop", "1", "https://x.example/app0.js"));  // evicted: parsed again
  EXPECT_EQ((*store)->parses(), 6u);
}

TEST(ErrorStatesTest, StatusesPersist) {
  TempDir dir;
  {
    auto states = ErrorStates::Open(dir.path());
    ASSERT_TRUE(states.ok());
    ASSERT_TRUE((*states)->Set("shop", "00aa", "resolved", 100).ok());
    ASSERT_TRUE((*states)->Set("shop", "00bb", "ignored", 200).ok());
    ASSERT_TRUE((*states)->Set("shop", "00aa", "open", 300).ok());
    EXPECT_EQ((*states)->Set("shop", "00aa", "fixed", 400).code(), Status::Code::kInvalidArgument);
  }
  auto states = ErrorStates::Open(dir.path());
  ASSERT_TRUE(states.ok());
  auto shop = (*states)->Snapshot("shop");
  ASSERT_EQ(shop.size(), 2u);
  EXPECT_EQ(shop["00aa"].status, "open");
  EXPECT_EQ(shop["00aa"].changed_ms, 300);
  EXPECT_EQ(shop["00bb"].status, "ignored");
  EXPECT_TRUE((*states)->Snapshot("blog").empty());
}

}  // namespace
}  // namespace sightline
