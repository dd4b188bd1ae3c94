#include "errors/stack_trace.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

constexpr char kBundle[] = "https://shop.example/static/js/main.8c1e9d4a.js?v=2";

// Recorded in Chromium 14x (Debian's chromium, headless): a method, an arrow callback inside
// Array.prototype.reduce, an async caller.
constexpr char kChrome[] =
    "TypeError: Cannot read properties of null (reading 'amount')\n"
    "    at https://shop.example/static/js/main.8c1e9d4a.js?v=2:1:71\n"
    "    at Array.reduce (<anonymous>)\n"
    "    at Cart.total (https://shop.example/static/js/main.8c1e9d4a.js?v=2:1:42)\n"
    "    at checkout (https://shop.example/static/js/main.8c1e9d4a.js?v=2:2:46)\n"
    "    at window.run (https://shop.example/static/js/main.8c1e9d4a.js?v=2:3:59)\n"
    "    at async <anonymous>:381:23";

// Recorded in Chromium: code run by eval, and a constructor.
constexpr char kChromeEval[] =
    "ReferenceError: undefinedFn is not defined\n"
    "    at evaluated (eval at window.run3 "
    "(https://shop.example/static/js/main.8c1e9d4a.js?v=2:5:29), <anonymous>:1:25)\n"
    "    at eval (eval at window.run3 (https://shop.example/static/js/main.8c1e9d4a.js?v=2:5:29), "
    "<anonymous>:1:42)\n"
    "    at window.run3 (https://shop.example/static/js/main.8c1e9d4a.js?v=2:5:29)";
constexpr char kChromeNew[] =
    "SyntaxError: Expected property name or '}' in JSON at position 1 (line 1 column 2)\n"
    "    at JSON.parse (<anonymous>)\n"
    "    at new Widget (https://shop.example/static/js/main.8c1e9d4a.js?v=2:6:70)\n"
    "    at window.run4 (https://shop.example/static/js/main.8c1e9d4a.js?v=2:6:29)";

// The same error as SpiderMonkey (Firefox) prints it, per MDN's Error.prototype.stack.
constexpr char kFirefox[] =
    "total/<@https://shop.example/static/js/main.8c1e9d4a.js?v=2:1:71\n"
    "total@https://shop.example/static/js/main.8c1e9d4a.js?v=2:1:42\n"
    "checkout@https://shop.example/static/js/main.8c1e9d4a.js?v=2:2:46\n"
    "async*window.run@https://shop.example/static/js/main.8c1e9d4a.js?v=2:3:59\n"
    "@https://shop.example/static/js/main.8c1e9d4a.js?v=2:7:1\n"
    "evaluated@https://shop.example/static/js/main.8c1e9d4a.js line 5 > eval:1:25\n";

// And as JavaScriptCore (Safari) prints it, per WebKit's documented format.
constexpr char kSafari[] =
    "@https://shop.example/static/js/main.8c1e9d4a.js?v=2:1:71\n"
    "reduce@[native code]\n"
    "total@https://shop.example/static/js/main.8c1e9d4a.js?v=2:1:42\n"
    "checkout@https://shop.example/static/js/main.8c1e9d4a.js?v=2:2:46\n"
    "global code@https://shop.example/static/js/main.8c1e9d4a.js?v=2:7:1\n"
    "eval code@\n"
    "[native code]";

void ExpectFrame(const StackFrame& f, std::string_view function, std::string_view file,
                 int64_t line, int64_t column) {
  EXPECT_EQ(f.function, function);
  EXPECT_EQ(f.file, file);
  EXPECT_EQ(f.line, line);
  EXPECT_EQ(f.column, column);
  EXPECT_FALSE(f.native);
}

TEST(StackTraceTest, ChromeFramesWithTheirFunctionsAndPositions) {
  std::vector<StackFrame> frames = ParseStack(kChrome);
  ASSERT_EQ(frames.size(), 6u);
  ExpectFrame(frames[0], "", kBundle, 1, 71);
  EXPECT_EQ(frames[1].function, "Array.reduce");
  EXPECT_TRUE(frames[1].native);
  ExpectFrame(frames[2], "Cart.total", kBundle, 1, 42);
  ExpectFrame(frames[3], "checkout", kBundle, 2, 46);
  ExpectFrame(frames[4], "window.run", kBundle, 3, 59);
  ExpectFrame(frames[5], "", "<anonymous>", 381, 23);  // "async " dropped
}

TEST(StackTraceTest, ChromeEvalFramesPointAtTheEvalCall) {
  std::vector<StackFrame> frames = ParseStack(kChromeEval);
  ASSERT_EQ(frames.size(), 3u);
  ExpectFrame(frames[0], "evaluated", kBundle, 5, 29);
  ExpectFrame(frames[1], "eval", kBundle, 5, 29);
  ExpectFrame(frames[2], "window.run3", kBundle, 5, 29);
}

TEST(StackTraceTest, ChromeConstructorsAndNativeFrames) {
  std::vector<StackFrame> frames = ParseStack(kChromeNew);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].function, "JSON.parse");
  EXPECT_TRUE(frames[0].native);
  ExpectFrame(frames[1], "new Widget", kBundle, 6, 70);
}

TEST(StackTraceTest, FirefoxFrames) {
  std::vector<StackFrame> frames = ParseStack(kFirefox);
  ASSERT_EQ(frames.size(), 6u);
  ExpectFrame(frames[0], "total/<", kBundle, 1, 71);
  ExpectFrame(frames[1], "total", kBundle, 1, 42);
  ExpectFrame(frames[3], "window.run", kBundle, 3, 59);  // "async*" dropped
  ExpectFrame(frames[4], "", kBundle, 7, 1);
  ExpectFrame(frames[5], "evaluated", "https://shop.example/static/js/main.8c1e9d4a.js", 5, 0);
}

TEST(StackTraceTest, SafariFrames) {
  std::vector<StackFrame> frames = ParseStack(kSafari);
  ASSERT_EQ(frames.size(), 7u);
  ExpectFrame(frames[0], "", kBundle, 1, 71);
  EXPECT_EQ(frames[1].function, "reduce");
  EXPECT_TRUE(frames[1].native);
  ExpectFrame(frames[2], "total", kBundle, 1, 42);
  ExpectFrame(frames[4], "global code", kBundle, 7, 1);
  EXPECT_TRUE(frames[5].native);
  EXPECT_EQ(frames[5].function, "eval code");
  EXPECT_TRUE(frames[6].native);
}

TEST(StackTraceTest, LinesAreNeverNegative) {
  // Found by fuzzing: SpiderMonkey's eval marker took a signed number.
  std::vector<StackFrame> frames =
      ParseStack("evaluate@https://shop.example/app.js line -8 > eval:1:5");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_GE(frames[0].line, 0);
  EXPECT_GE(frames[0].column, 0);
}

TEST(StackTraceTest, MessageLinesAreNotFrames) {
  // A V8 message line with "@" in it, and text that is no stack at all.
  std::vector<StackFrame> frames =
      ParseStack("Error: mail user@host failed\n    at send (https://a.example/app.js:3:9)");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].function, "send");
  EXPECT_TRUE(ParseStack("Error: mail user@host failed").empty());
  EXPECT_TRUE(ParseStack("").empty());
  EXPECT_TRUE(ParseStack("\n\n   \n").empty());
}

TEST(StackTraceTest, FrameCountIsBounded) {
  std::string stack = "Error: deep";
  for (int i = 0; i < 500; ++i)
    stack += "\n    at f (https://a.example/app.js:1:" + std::to_string(i + 1) + ")";
  EXPECT_EQ(ParseStack(stack).size(), 64u);
  EXPECT_EQ(ParseStack(stack, 10).size(), 10u);
}

TEST(StackTraceTest, InAppIsThePagesOwnOriginAndNotVendorCode) {
  const char* page = "https://shop.example/checkout?step=2";
  EXPECT_TRUE(IsInAppFile(kBundle, page));
  EXPECT_FALSE(IsInAppFile("https://www.googletagmanager.com/gtm.js", page));
  EXPECT_FALSE(IsInAppFile("https://shop.example/node_modules/react/index.js", page));
  EXPECT_FALSE(IsInAppFile("chrome-extension://abc/content.js", page));
  EXPECT_FALSE(IsInAppFile("<anonymous>", page));
  EXPECT_TRUE(IsInAppFile("https://cdn.example/app.js", ""));
  EXPECT_EQ(UrlOrigin("https://shop.example:8443/a/b.js?v=1#x"), "https://shop.example:8443");
  EXPECT_EQ(UrlOrigin("/a/b.js"), "");
  EXPECT_EQ(UrlWithoutQuery("https://a/b.js?v=1#x"), "https://a/b.js");
}

}  // namespace
}  // namespace sightline
