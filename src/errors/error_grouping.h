// From an error event to its group: the stack's frames mapped through the release's source maps,
// then a fingerprint that survives deploys and minifier renames and keeps different bugs apart.
//
// The fingerprint hashes (XXH3-64, 16 hex digits):
// - the error type ("TypeError");
// - the message with its volatile parts replaced (NormalizeMessage), only when the frame below
//   does not identify the fault (no stack, or a minified function and no source map): browsers
//   word one fault differently, so with an identifying frame the message does not count;
// - the top in-app frame, where the error was thrown (the first frame when none is in-app; its
//   callers are left out, as they change whenever the code around a bug is reworked), as
//   - mapped through a source map: the original source path (NormalizeSourcePath), the original
//     function and the trimmed text of the original line (so a line moving does not split the
//     group, but two throws in one function do not merge);
//   - otherwise: the script's path (NormalizeScriptPath: no origin, query, or content hashes) and
//     the function name unless it looks minified (two characters or fewer).
// Line and column numbers are never hashed: they move with every deploy.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errors/source_map.h"
#include "errors/stack_trace.h"

namespace sightline {

// Finds the source map of a script of a release; null when there is none. Thread-safe.
class SourceMapResolver {
 public:
  virtual ~SourceMapResolver() = default;
  virtual std::shared_ptr<const SourceMap> Find(std::string_view project, std::string_view release,
                                                std::string_view script_url) = 0;
};

struct MappedFrame {
  StackFrame generated;  // as the browser reported it
  bool in_app = false;
  bool mapped = false;
  std::string source;  // the original file, as the map names it
  int64_t source_line = 0, source_column = 0;
  std::string function;  // the original function; the reported one when unmapped or unknown
  std::optional<SourceContext> context;  // when the map has sourcesContent and it was asked for
};

struct ErrorIdentity {
  std::string fingerprint;
  std::string culprit;  // "pay (src/checkout.js)": where it happened, for lists
  std::vector<MappedFrame> frames;
};

struct ErrorInput {
  std::string_view project, release;
  std::string_view kind, message, stack;
  std::string_view file;  // the position the browser gave with the error, used without a stack
  int64_t line = 0, column = 0;
  std::string_view page_url;  // decides in-app (IsInAppFile)
};

// Parses, maps (`resolver` may be null) and fingerprints one error. `context_lines`: the source
// lines kept either side of each mapped frame (0 keeps none).
ErrorIdentity IdentifyError(const ErrorInput& error, SourceMapResolver* resolver,
                            size_t context_lines = 0);

// "Order 1732771953 not found at https://x/y?id=4 (reading 'total')" →
// "Order <n> not found at <url> (reading <q>)". Also ids (hex runs of 8+ with a digit and a letter,
// UUIDs) become <id>; whitespace collapses.
std::string NormalizeMessage(std::string_view message);
// "webpack://shop/./src/a.js" → "src/a.js"; "../src/a.js" → "src/a.js".
std::string NormalizeSourcePath(std::string_view source);
// "https://cdn.x/static/js/main.8c1e9d4a.js?v=2" → "/static/js/main.<hash>.js".
std::string NormalizeScriptPath(std::string_view url);

}  // namespace sightline
