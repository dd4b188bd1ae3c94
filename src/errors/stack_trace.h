// Stack traces as browsers print them, parsed into frames.
//
// Formats (what Error.prototype.stack holds):
// - V8 (Chrome, Edge, Node): a "Type: message" line, then "    at fn (url:line:col)",
//   "    at url:line:col", "    at async fn (...)", "    at new Ctor (...)",
//   "    at eval (eval at outer (url:line:col), <anonymous>:l:c)", "    at fn (native)".
// - SpiderMonkey (Firefox): "fn@url:line:col", "@url:line:col", "Outer/inner<@url:l:c",
//   "async*fn@...", "promise callback*fn@...", "fn@url line 2 > eval:l:c".
// - JavaScriptCore (Safari): "fn@url:line:col", "global code@url:l:c", "[native code]",
//   "fn@[native code]".
// Lines that are none of these (the message line, blank lines) are skipped. When a stack has V8
// frames only those are used, so a message line containing "@" is never taken for a frame.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sightline {

struct StackFrame {
  std::string function;  // as printed, prefixes like "async " removed; empty when anonymous
  std::string file;      // the script's URL; empty for native frames
  int64_t line = 0;      // 1-based; 0 when unknown
  int64_t column = 0;    // 1-based; 0 when unknown
  bool native = false;   // a built-in ("native", "[native code]")
};

// The frames of `stack`, innermost (where the error was thrown) first. At most `max_frames`.
std::vector<StackFrame> ParseStack(std::string_view stack, size_t max_frames = 64);

// Whether a frame of script `file` is the application's own code on a page at `page_url`: an
// http(s) or file URL (not a browser extension, not eval or native code) whose origin is the
// page's, or any http(s) URL when the page's URL is unknown; files under node_modules are not.
bool IsInAppFile(std::string_view file, std::string_view page_url);

// "https://shop.example:8443/a/b.js?v=1#x" → "https://shop.example:8443"; "" when not a URL.
std::string_view UrlOrigin(std::string_view url);
// The URL without its query and fragment.
std::string_view UrlWithoutQuery(std::string_view url);

}  // namespace sightline
