#include "errors/error_grouping.h"

#include <xxhash.h>

#include <cstdio>

namespace sightline {
namespace {

// Frames hashed: the throw site only. Callers change with every refactoring of the code around a
// bug (a new event handler, a wrapper); the throw site, its line's text and the message do not.
constexpr size_t kFingerprintFrames = 1;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// One word of letters and digits: an id when it is 8+ hex digits (dashes allowed, as in UUIDs)
// with a digit and a letter; otherwise its digit runs (with their dots: 2.4.1) become <n>.
void AppendWord(std::string_view word, std::string* out) {
  bool hex = word.size() >= 8, digit = false, letter = false;
  for (char c : word) {
    hex = hex && (IsHex(c) || c == '-');
    digit = digit || IsDigit(c);
    letter = letter || (!IsDigit(c) && c != '-' && c != '.');
  }
  if (hex && digit && letter) {
    *out += "<id>";
    return;
  }
  for (size_t i = 0; i < word.size();) {
    if (IsDigit(word[i])) {
      while (i < word.size() && (IsDigit(word[i]) || word[i] == '.')) ++i;
      *out += "<n>";
    } else {
      *out += word[i++];
    }
  }
}

// Replaces hash-like and numeric parts of a path's segments.
std::string NormalizePathWords(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size();) {
    if (IsAlnum(path[i])) {
      size_t j = i;
      while (j < path.size() && IsAlnum(path[j])) ++j;
      std::string_view word = path.substr(i, j - i);
      bool hex = word.size() >= 6, digit = false;
      for (char c : word) {
        hex = hex && IsHex(c);
        digit = digit || IsDigit(c);
      }
      if (hex && digit) {
        out += "<hash>";
      } else {
        AppendWord(word, &out);
      }
      i = j;
    } else {
      out += path[i++];
    }
  }
  return out;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s.substr(0, 200));
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string NormalizeMessage(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (size_t i = 0; i < message.size() && out.size() < 500;) {
    char c = message[i];
    // A URL: scheme "://" up to whitespace or a closing bracket/quote.
    if (IsAlnum(c) && (i == 0 || !IsAlnum(message[i - 1]))) {
      size_t j = i;
      while (j < message.size() &&
             (IsAlnum(message[j]) || message[j] == '+' || message[j] == '-' || message[j] == '.')) {
        ++j;
      }
      if (message.substr(j, 3) == "://") {
        j += 3;
        while (j < message.size() && message[j] != ' ' && message[j] != ')' && message[j] != '"' &&
               message[j] != '\'' && message[j] != '\n') {
          ++j;
        }
        out += "<url>";
        i = j;
        continue;
      }
    }
    if (c == '\'' || c == '"' || c == '`') {
      size_t close = message.find(c, i + 1);
      size_t newline = message.find('\n', i + 1);
      if (close != std::string_view::npos && close - i <= 200 && close < newline) {
        out += "<q>";
        i = close + 1;
        continue;
      }
    }
    if (IsAlnum(c)) {
      size_t j = i;
      auto digit_at = [&](size_t k) { return k < message.size() && IsDigit(message[k]); };
      while (j < message.size() &&
             (IsAlnum(message[j]) ||
              (message[j] == '-' && j + 1 < message.size() && IsHex(message[j + 1])) ||
              (message[j] == '.' && digit_at(j - 1) && digit_at(j + 1)))) {
        ++j;
      }
      AppendWord(message.substr(i, j - i), &out);
      i = j;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string NormalizeSourcePath(std::string_view source) {
  source = UrlWithoutQuery(source);
  if (source.substr(0, 10) == "webpack://") {
    source.remove_prefix(10);
    size_t slash = source.find('/');
    source = slash == std::string_view::npos ? source : source.substr(slash + 1);
  } else if (std::string_view origin = UrlOrigin(source); !origin.empty()) {
    source.remove_prefix(origin.size());
  }
  for (;;) {
    if (source.substr(0, 2) == "./") {
      source.remove_prefix(2);
    } else if (source.substr(0, 3) == "../") {
      source.remove_prefix(3);
    } else if (!source.empty() && source.front() == '/') {
      source.remove_prefix(1);
    } else {
      break;
    }
  }
  return std::string(source);
}

std::string NormalizeScriptPath(std::string_view url) {
  url = UrlWithoutQuery(url);
  url.remove_prefix(UrlOrigin(url).size());
  return NormalizePathWords(url);
}

ErrorIdentity IdentifyError(const ErrorInput& error, SourceMapResolver* resolver,
                            size_t context_lines) {
  ErrorIdentity identity;
  std::vector<StackFrame> frames = ParseStack(error.stack);
  if (frames.empty() && !error.file.empty()) {
    StackFrame frame;
    frame.file = std::string(error.file);
    frame.line = error.line;
    frame.column = error.column;
    frames.push_back(std::move(frame));
  }
  // Per frame: the names[] entry at its position, and whether its function came from a source.
  std::vector<std::string> call_names;
  std::vector<bool> named_by_source;
  for (StackFrame& frame : frames) {
    MappedFrame m{};
    m.function = frame.function;
    call_names.emplace_back();
    named_by_source.push_back(false);
    if (!frame.native && resolver && frame.line > 0 && frame.column > 0) {
      if (auto map = resolver->Find(error.project, error.release, frame.file)) {
        if (auto position = map->Lookup(frame.line, frame.column)) {
          m.mapped = true;
          m.source = map->source(position->source);
          m.source_line = position->line;
          m.source_column = position->column;
          std::string function =
              map->FunctionAt(position->source, position->line, position->column);
          if (!function.empty()) {
            m.function = std::move(function);
            named_by_source.back() = true;
          }
          call_names.back() = std::string(position->name);
          m.context = map->Context(position->source, position->line, context_lines);
        }
      }
    }
    if (m.mapped) {
      m.in_app = m.source.find("node_modules/") == std::string::npos &&
                 m.source.find("webpack/bootstrap") == std::string::npos;
    } else {
      m.in_app = !frame.native && IsInAppFile(frame.file, error.page_url);
    }
    m.generated = std::move(frame);
    identity.frames.push_back(std::move(m));
  }
  // Without sourcesContent, a mapped frame's function is named where its caller calls it: the
  // caller's position maps to the call's callee, whose original name the map's names[] keeps.
  for (size_t i = 0; i + 1 < identity.frames.size(); ++i) {
    MappedFrame& f = identity.frames[i];
    if (f.mapped && !named_by_source[i] && identity.frames[i + 1].mapped &&
        !call_names[i + 1].empty()) {
      f.function = call_names[i + 1];
    }
  }

  bool any_in_app = false;
  for (const MappedFrame& f : identity.frames) any_in_app = any_in_app || f.in_app;
  std::string hashed_frames;
  bool identifying = false;  // the frames name the fault whichever engine reported it
  size_t used = 0;
  const MappedFrame* culprit = nullptr;
  for (const MappedFrame& f : identity.frames) {
    if (used == kFingerprintFrames) break;
    if (any_in_app && !f.in_app) continue;
    if (!culprit) culprit = &f;
    ++used;
    if (f.mapped) {
      hashed_frames += NormalizeSourcePath(f.source);
      hashed_frames += '|';
      hashed_frames += f.function;
      hashed_frames += '|';
      if (f.context) hashed_frames += Trimmed(f.context->line);
      identifying = identifying || !f.function.empty() || f.context;
    } else {
      hashed_frames += NormalizeScriptPath(f.generated.file);
      hashed_frames += '|';
      if (f.function.size() > 2) hashed_frames += f.function;
      identifying = identifying || f.function.size() > 2;
    }
    hashed_frames += '\n';
  }
  // The message only where the frames do not identify the fault (no stack, a minified function,
  // only native frames): each engine words the same fault its own way ("Cannot read properties
  // of undefined", "undefined is not an object", "e is undefined").
  std::string key;
  key.reserve(256);
  key.append(error.kind).push_back('\n');
  if (!identifying) key += NormalizeMessage(error.message);
  key.push_back('\n');
  key += hashed_frames;
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx",
           static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())));
  identity.fingerprint = hex;
  if (culprit) {
    std::string where = culprit->mapped
                            ? NormalizeSourcePath(culprit->source)
                            : std::string(Basename(UrlWithoutQuery(culprit->generated.file)));
    identity.culprit = culprit->function.empty() ? where : culprit->function + " (" + where + ")";
  }
  return identity;
}

}  // namespace sightline
