// Source maps (revision 3, https://tc39.es/source-map/): from a minified bundle's line and column
// back to the original file, line, column and function.
//
// Parse() reads a map, or an index map with "sections", in full: every "mappings" segment is
// decoded (Base64 VLQ) and checked, so a malformed map is refused at upload with the problem
// named, never later when a frame is read. A parsed map is immutable and safe to share between
// threads; per-source derived data (line starts, function ranges) is built on first use.
//
// Function names come from the original source ("sourcesContent"): the innermost named function,
// method ("Class.method") or arrow function assigned to a name that encloses the position. Without
// sourcesContent, IdentifyError (error_grouping.h) names a frame's function from the names[] entry
// at its caller's call site.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sightline {

struct OriginalPosition {
  uint32_t source = 0;    // index into sources()
  int64_t line = 0;       // 1-based
  int64_t column = 0;     // 1-based
  std::string_view name;  // the segment's names[] entry: the identifier there; may be empty
};

struct SourceContext {
  std::vector<std::string> pre;  // up to n lines before, oldest first
  std::string line;
  std::vector<std::string> post;  // up to n lines after
};

class SourceMap {
 public:
  // Errors: InvalidArgument naming the field and the problem ("mappings: invalid Base64
  // character '!' at offset 17", "version: must be 3").
  static Result<std::shared_ptr<const SourceMap>> Parse(std::string_view json);

  // The original position of generated `line` and `column` (1-based, as stack traces print
  // them): the mapping segment at or before the column on that line. Nothing when the line has
  // no segment there or the segment names no source.
  std::optional<OriginalPosition> Lookup(int64_t line, int64_t column) const;

  // sourceRoot joined with sources[i], as the map names it.
  const std::string& source(uint32_t i) const { return sources_[i]->name; }
  size_t sources_size() const { return sources_.size(); }
  bool has_content(uint32_t i) const { return sources_[i]->has_content; }

  // The name of the function enclosing `line` and `column` (1-based) of source i, from its
  // sourcesContent: "pay", "Checkout.submit", "validate/<anonymous>"; empty when unknown.
  std::string FunctionAt(uint32_t source, int64_t line, int64_t column) const;
  // Up to `n` lines either side of `line` (1-based) of source i, each cut to 200 bytes; nothing
  // without sourcesContent or when the line is past the end.
  std::optional<SourceContext> Context(uint32_t source, int64_t line, size_t n) const;

  size_t segments() const { return mappings_.size(); }
  // An estimate of the memory this map holds, for the cache's bound.
  size_t MemoryBytes() const { return memory_bytes_; }

  struct Mapping {
    uint32_t generated_line = 0;  // 0-based
    uint32_t generated_column = 0;
    int32_t source = -1;  // -1: the segment maps to no source
    uint32_t original_line = 0;
    uint32_t original_column = 0;
    int32_t name = -1;
  };
  struct FunctionRange {
    uint32_t begin = 0, end = 0;  // byte offsets of the body's braces in the source
    std::string name;             // qualified; "<anonymous>" entries lean on their parents
  };

 private:
  struct Source {
    std::string name;
    std::string content;
    bool has_content = false;
    mutable std::once_flag indexed;
    mutable std::vector<uint32_t> line_starts;     // byte offset of each line
    mutable std::vector<FunctionRange> functions;  // ordered by begin
  };
  const Source& Indexed(uint32_t i) const;

  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<std::string> names_;
  std::vector<Mapping> mappings_;  // by generated line, then column
  size_t memory_bytes_ = 0;

  friend class SourceMapBuilder;
};

// `value` in Base64 VLQ, the encoding of "mappings" (for tests and tools that write maps).
std::string Base64Vlq(int64_t value);

// The functions of a JavaScript or TypeScript source, by a tokenizer that knows strings, comments,
// template literals and regular expressions but no grammar beyond what names a function:
// `function f(`, `f(...) {` methods, `class C {`, `f = function`, `f = (...) => {`, `f: ... =>`.
std::vector<SourceMap::FunctionRange> FindFunctions(std::string_view source);

}  // namespace sightline
