#include "errors/stack_trace.h"

#include <charconv>

namespace sightline {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Splits a trailing ":digits" off `s`; false (s unchanged) when there is none.
bool TakeTrailingNumber(std::string_view* s, int64_t* n) {
  size_t end = s->size(), begin = end;
  while (begin > 0 && (*s)[begin - 1] >= '0' && (*s)[begin - 1] <= '9') --begin;
  if (begin == end || begin == 0 || (*s)[begin - 1] != ':' || end - begin > 9) return false;
  std::from_chars(s->data() + begin, s->data() + end, *n);
  *s = s->substr(0, begin - 1);
  return true;
}

// "url:line:col", "url:line", "native", "[native code]", "<anonymous>", "url line 2 > eval:1:5".
// False when `text` looks like no location at all.
bool ParseLocation(std::string_view text, StackFrame* frame) {
  text = Trim(text);
  if (text == "native" || text == "[native code]") {
    frame->native = true;
    return true;
  }
  if (text.empty()) return false;
  int64_t a = 0, b = 0;
  std::string_view file = text;
  if (TakeTrailingNumber(&file, &a)) {
    if (TakeTrailingNumber(&file, &b)) {
      frame->line = b;
      frame->column = a;
    } else {
      frame->line = a;
    }
  } else if (text == "<anonymous>") {
    frame->native = true;  // V8's built-ins: "at Array.reduce (<anonymous>)"
    return true;
  } else if (text.find("://") == std::string_view::npos && text.front() != '<') {
    return false;
  }
  // SpiderMonkey's eval'd code: "https://x/app.js line 2 > eval": the calling script and line.
  if (size_t at = file.find(" line "); at != std::string_view::npos) {
    std::string_view rest = file.substr(at + 6);
    int64_t line = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
    if (ec == std::errc() && end != rest.data() && rest[0] >= '0' && rest[0] <= '9' && line > 0) {
      file = file.substr(0, at);
      frame->line = line;
      frame->column = 0;
    }
  }
  frame->file = std::string(file);
  return true;
}

// The V8 frame after "at ": "fn (loc)", "loc", "eval (eval at outer (loc), <anonymous>:1:5)".
bool ParseV8Frame(std::string_view text, StackFrame* frame) {
  if (text.substr(0, 6) == "async ") text.remove_prefix(6);
  if (!text.empty() && text.back() == ')') {
    int depth = 0;
    size_t open = std::string_view::npos;
    for (size_t i = text.size(); i-- > 0;) {
      if (text[i] == ')') ++depth;
      if (text[i] == '(' && --depth == 0) {
        open = i;
        break;
      }
    }
    if (open != std::string_view::npos && open > 0) {
      frame->function = std::string(Trim(text.substr(0, open)));
      std::string_view location = text.substr(open + 1, text.size() - open - 2);
      if (location.substr(0, 8) == "eval at ") {
        // The eval'd code's position is in a script that has no URL; its caller's is useful.
        size_t inner_open = location.find('(');
        size_t inner_close =
            location.find(')', inner_open == std::string_view::npos ? 0 : inner_open);
        if (inner_open != std::string_view::npos && inner_close != std::string_view::npos) {
          location = location.substr(inner_open + 1, inner_close - inner_open - 1);
        }
      }
      if (location.substr(0, 6) == "index ") {
        frame->native = true;  // "at async Promise.all (index 0)"
        return true;
      }
      return ParseLocation(location, frame);
    }
  }
  return ParseLocation(text, frame);
}

// SpiderMonkey and JavaScriptCore: "fn@loc", "@loc", "async*fn@loc", "[native code]".
bool ParseGeckoFrame(std::string_view line, StackFrame* frame) {
  if (line == "[native code]") {
    frame->native = true;
    return true;
  }
  size_t at = line.find('@');
  if (at == std::string_view::npos) return false;
  std::string_view function = line.substr(0, at);
  if (size_t star = function.rfind('*'); star != std::string_view::npos) {
    function.remove_prefix(star + 1);
  }
  std::string_view location = line.substr(at + 1);
  if (location.empty()) {
    // JavaScriptCore's "eval code@" and the like: a frame without a script.
    if (function.empty()) return false;
    frame->function = std::string(function);
    frame->native = true;
    return true;
  }
  StackFrame parsed;
  if (!ParseLocation(location, &parsed)) return false;
  if (!parsed.native && parsed.line == 0 && parsed.file.find("://") == std::string::npos) {
    return false;  // "user@example" in a message line
  }
  parsed.function = std::string(function);
  *frame = std::move(parsed);
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::vector<StackFrame> ParseStack(std::string_view stack, size_t max_frames) {
  std::vector<std::string_view> lines;
  bool v8 = false;
  for (size_t begin = 0; begin <= stack.size();) {
    size_t end = stack.find('\n', begin);
    if (end == std::string_view::npos) end = stack.size();
    std::string_view raw = stack.substr(begin, end - begin);
    std::string_view line = Trim(raw);
    if (!line.empty()) {
      lines.push_back(raw);
      v8 = v8 || (raw.size() > line.size() && StartsWith(line, "at "));
    }
    begin = end + 1;
  }
  std::vector<StackFrame> frames;
  for (std::string_view raw : lines) {
    if (frames.size() >= max_frames) break;
    std::string_view line = Trim(raw);
    StackFrame frame;
    if (v8) {
      // Only indented "at " lines: the first line is the message.
      if (raw.size() == line.size() || !StartsWith(line, "at ")) continue;
      if (ParseV8Frame(Trim(line.substr(3)), &frame)) frames.push_back(std::move(frame));
    } else if (ParseGeckoFrame(line, &frame)) {
      frames.push_back(std::move(frame));
    }
  }
  return frames;
}

std::string_view UrlOrigin(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos || scheme == 0) return {};
  for (size_t i = 0; i < scheme; ++i) {
    char c = url[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '-' || c == '.')) {
      return {};
    }
  }
  size_t end = url.find_first_of("/?#", scheme + 3);
  return url.substr(0, end == std::string_view::npos ? url.size() : end);
}

std::string_view UrlWithoutQuery(std::string_view url) {
  size_t end = url.find_first_of("?#");
  return end == std::string_view::npos ? url : url.substr(0, end);
}

bool IsInAppFile(std::string_view file, std::string_view page_url) {
  if (!(StartsWith(file, "http://") || StartsWith(file, "https://") ||
        StartsWith(file, "file://"))) {
    return false;
  }
  if (UrlWithoutQuery(file).find("/node_modules/") != std::string_view::npos) return false;
  std::string_view page_origin = UrlOrigin(page_url);
  if (page_origin.empty() || StartsWith(file, "file://")) return true;
  return UrlOrigin(file) == page_origin;
}

}  // namespace sightline
