// FindFunctions (declared in source_map.h): the named functions of JavaScript / TypeScript text.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "errors/source_map.h"

namespace sightline {
namespace {

bool IdentStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c == '#' ||
         c >= 0x80;
}
bool IdentPart(unsigned char c) { return IdentStart(c) || (c >= '0' && c <= '9'); }

bool IsControlKeyword(std::string_view w) {
  for (std::string_view k :
       {"if",     "for",      "while", "switch", "catch", "with",   "return",
        "typeof", "function", "await", "yield",  "new",   "delete", "void",
        "throw",  "case",     "in",    "of",     "do",    "else",   "instanceof"}) {
    if (w == k) return true;
  }
  return false;
}

// After these a '/' starts a regular expression; after an identifier, a literal, ')' or ']' it
// divides.
bool RegexMayFollow(std::string_view previous, bool previous_ident) {
  if (previous.empty()) return true;
  if (previous_ident) return IsControlKeyword(previous);
  return previous != ")" && previous != "]" && previous != "}" && previous != "number" &&
         previous != "string";
}

struct Token {
  std::string_view text;
  bool ident = false;
};

class Finder {
 public:
  explicit Finder(std::string_view s) : s_(s) {}

  std::vector<SourceMap::FunctionRange> Run() {
    size_t i = 0;
    while (i < s_.size()) {
      unsigned char c = s_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
      } else if (c == '/' && i + 1 < s_.size() && s_[i + 1] == '/') {
        i = s_.find('\n', i);
        if (i == std::string_view::npos) i = s_.size();
      } else if (c == '/' && i + 1 < s_.size() && s_[i + 1] == '*') {
        i = s_.find("*/", i + 2);
        i = i == std::string_view::npos ? s_.size() : i + 2;
      } else if (c == '\'' || c == '"') {
        i = SkipQuoted(i, c);
        Push({"string", false});
      } else if (c == '`') {
        i = SkipTemplate(i + 1);
      } else if (c == '/' && RegexMayFollow(Last(0).text, Last(0).ident)) {
        i = SkipRegex(i);
        Push({"string", false});
      } else if (IdentStart(c)) {
        size_t j = i + 1;
        while (j < s_.size() && IdentPart(s_[j])) ++j;
        OnIdent(s_.substr(i, j - i));
        i = j;
      } else if (c >= '0' && c <= '9') {
        while (i < s_.size() && (IdentPart(s_[i]) || s_[i] == '.')) ++i;
        Push({"number", false});
      } else if (c == '=' && i + 1 < s_.size() && s_[i + 1] == '>') {
        OnArrow();
        i += 2;
      } else if (c == '=' && i + 1 < s_.size() && s_[i + 1] == '=') {
        while (i < s_.size() && s_[i] == '=') ++i;
        Push({"==", false});
      } else if (c == '(') {
        parens_.push_back({Last(0), Last(1), Last(2)});
        Push({"(", false});
        ++i;
      } else if (c == ')') {
        if (!parens_.empty()) {
          closed_ = parens_.back();
          parens_.pop_back();
        }
        Push({")", false});
        ++i;
      } else if (c == '{') {
        OnOpenBrace(i);
        ++i;
      } else if (c == '}') {
        i = OnCloseBrace(i);
      } else {
        Push({s_.substr(i, 1), false});
        ++i;
      }
    }
    std::sort(out_.begin(), out_.end(),
              [](const auto& a, const auto& b) { return a.begin < b.begin; });
    return std::move(out_);
  }

 private:
  enum class Kind { kBlock, kFunction, kClass, kTemplate };
  struct Open {
    Kind kind;
    size_t begin;
    std::string name;
  };
  struct Paren {
    Token before[3];  // the tokens before '(', nearest first
  };

  Token Last(size_t back) const { return back < count_ ? last_[(count_ - 1 - back) % 4] : Token{}; }
  void Push(Token t) {
    last_[count_ % 4] = t;
    ++count_;
    // A class's name and heritage come between `class` and its `{`; `{class: 1}` is a key.
    if (t.text == ";" || t.text == "," || t.text == ":") class_pending_ = false;
    if (t.text != "=>") arrow_pending_ = false;
  }

  // The name a function expression or class gets from `name = ...` or `name: ...` before it.
  static std::string AssignedName(Token op, Token ident) {
    if ((op.text == "=" || op.text == ":") && ident.ident) return std::string(ident.text);
    return {};
  }

  void OnIdent(std::string_view word) {
    if (word == "class" && Last(0).text != ".") {
      class_pending_ = true;
      class_name_ = AssignedName(Last(0), Last(1));
    } else if (class_pending_ && Last(0).text == "class") {
      class_name_ = std::string(word);
    }
    Push({word, true});
  }

  void OnArrow() {
    // `name = (a) => {`, `name = async (a) => {`, `name = a => {`, `name: (a) => {`.
    Token op, ident;
    if (Last(0).text == ")") {
      const Paren& p = closed_;
      size_t k = p.before[0].text == "async" ? 1 : 0;
      op = p.before[k];
      ident = k + 1 < 3 ? p.before[k + 1] : Token{};
    } else {
      size_t k = Last(1).text == "async" ? 2 : 1;
      op = Last(k);
      ident = Last(k + 1);
    }
    std::string name = AssignedName(op, ident);
    Push({"=>", false});
    arrow_pending_ = true;
    arrow_name_ = name.empty() ? "<anonymous>" : name;
  }

  void OnOpenBrace(size_t at) {
    Open open{Kind::kBlock, at, {}};
    if (arrow_pending_ && Last(0).text == "=>") {
      open = {Kind::kFunction, at, arrow_name_};
    } else if (class_pending_) {
      open = {Kind::kClass, at, class_name_};
    } else if (Last(0).text == ")") {
      const Paren& p = closed_;
      Token before = p.before[0];
      if (before.text == "function") {
        std::string name = AssignedName(p.before[1], p.before[2]);
        open = {Kind::kFunction, at, name.empty() ? "<anonymous>" : name};
      } else if (before.text == "*" && p.before[1].text == "function") {
        open = {Kind::kFunction, at, "<anonymous>"};
      } else if (before.ident && !IsControlKeyword(before.text)) {
        // `function name(...) {` or a method `name(...) {` (in a class or an object literal).
        std::string name(before.text);
        bool method = p.before[1].text != "function" && p.before[1].text != "*";
        if (method && !stack_.empty() && stack_.back().kind == Kind::kClass &&
            !stack_.back().name.empty()) {
          name = stack_.back().name + "." + name;
        }
        open = {Kind::kFunction, at, name};
      }
    }
    class_pending_ = false;
    arrow_pending_ = false;
    stack_.push_back(std::move(open));
    Push({"{", false});
  }

  size_t OnCloseBrace(size_t at) {
    if (stack_.empty()) {
      Push({"}", false});
      return at + 1;
    }
    Open open = std::move(stack_.back());
    stack_.pop_back();
    if (open.kind == Kind::kTemplate) return SkipTemplate(at + 1);  // back in the template
    if (open.kind == Kind::kFunction) {
      out_.push_back(
          {static_cast<uint32_t>(open.begin), static_cast<uint32_t>(at), std::move(open.name)});
    }
    Push({"}", false});
    return at + 1;
  }

  size_t SkipQuoted(size_t i, char quote) {
    for (size_t j = i + 1; j < s_.size(); ++j) {
      if (s_[j] == '\\') {
        ++j;
      } else if (s_[j] == quote) {
        return j + 1;
      } else if (s_[j] == '\n') {
        return j;  // unterminated: resume on the next line
      }
    }
    return s_.size();
  }

  // From just inside a template literal (or after a `${...}`): to its end, or into `${`.
  size_t SkipTemplate(size_t i) {
    for (size_t j = i; j < s_.size(); ++j) {
      if (s_[j] == '\\') {
        ++j;
      } else if (s_[j] == '`') {
        Push({"string", false});
        return j + 1;
      } else if (s_[j] == '$' && j + 1 < s_.size() && s_[j + 1] == '{') {
        stack_.push_back({Kind::kTemplate, j + 1, {}});
        Push({"(", false});
        return j + 2;
      }
    }
    return s_.size();
  }

  // A regular expression literal stays on one line; if none closes there, '/' was division.
  size_t SkipRegex(size_t i) {
    bool in_class = false;
    for (size_t j = i + 1; j < s_.size(); ++j) {
      char c = s_[j];
      if (c == '\n') return i + 1;
      if (c == '\\') {
        ++j;
      } else if (c == '[') {
        in_class = true;
      } else if (c == ']') {
        in_class = false;
      } else if (c == '/' && !in_class) {
        ++j;
        while (j < s_.size() && IdentPart(s_[j])) ++j;  // flags
        return j;
      }
    }
    return i + 1;
  }

  std::string_view s_;
  Token last_[4];
  size_t count_ = 0;
  std::vector<Paren> parens_;
  Paren closed_;
  std::vector<Open> stack_;
  bool class_pending_ = false;
  std::string class_name_;
  bool arrow_pending_ = false;
  std::string arrow_name_;
  std::vector<SourceMap::FunctionRange> out_;
};

}  // namespace

std::vector<SourceMap::FunctionRange> FindFunctions(std::string_view source) {
  return Finder(source).Run();
}

}  // namespace sightline
