// Fuzz target: any bytes as an uploaded source map, and as the JavaScript that FindFunctions scans
// in sourcesContent. Neither may crash, hang or read out of bounds. A map that parses answers
// every Lookup with a source in sources() and a 1-based line and column, and its FunctionAt and
// Context stay within each source; FindFunctions' ranges are brace pairs of the text, ordered by
// their opening brace and nested (two ranges never overlap without one holding the other).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "errors/source_map.h"

namespace {

using sightline::SourceMap;

volatile size_t name_sink = 0;  // keeps the reads of names from being optimized away

void CheckFunctions(std::string_view text) {
  std::vector<SourceMap::FunctionRange> ranges = sightline::FindFunctions(text);
  std::vector<uint32_t> open_ends;  // ends of the ranges holding the current one, innermost last
  for (size_t range_idx = 0; range_idx < ranges.size(); ++range_idx) {
    const SourceMap::FunctionRange& r = ranges[range_idx];
    if (r.begin >= r.end || r.end >= text.size() || text[r.begin] != '{' || text[r.end] != '}' ||
        r.name.empty()) {
      __builtin_trap();
    }
    if (range_idx > 0 && ranges[range_idx - 1].begin >= r.begin) __builtin_trap();
    while (!open_ends.empty() && open_ends.back() < r.begin) open_ends.pop_back();
    if (!open_ends.empty() && r.end >= open_ends.back()) __builtin_trap();  // overlaps its parent
    open_ends.push_back(r.end);
  }
}

void CheckLookups(const SourceMap& map) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kColumns[] = {-1, 0, 1, 2, 7, 40, 200, 5000, int64_t{1} << 31, kMax};
  const int64_t kFarLines[] = {-1, 0, int64_t{1} << 31, int64_t{1} << 32, kMax};
  auto check = [&map](int64_t line, int64_t column) {
    std::optional<sightline::OriginalPosition> p = map.Lookup(line, column);
    if (!p) return;
    if (line < 1 || column < 1) __builtin_trap();  // positions are 1-based
    if (p->source >= map.sources_size() || p->line < 1 || p->column < 1) __builtin_trap();
    for (char c : p->name) name_sink = name_sink + static_cast<unsigned char>(c);  // read, for ASan
  };
  for (int64_t line = 1; line <= 64; ++line) {
    for (int64_t column : kColumns) check(line, column);
  }
  for (int64_t line : kFarLines) {
    for (int64_t column : kColumns) check(line, column);
  }
}

// The number of lines of source i (Context answers for lines 1..count), by bisection.
int64_t LineCount(const SourceMap& map, uint32_t source) {
  int64_t low = 0, high = int64_t{1} << 32;  // Context(low) answers, Context(high) does not
  while (high - low > 1) {
    int64_t mid = low + (high - low) / 2;
    (map.Context(source, mid, 0) ? low : high) = mid;
  }
  return low;
}

void CheckSource(const SourceMap& map, uint32_t source) {
  if (!map.has_content(source)) {
    if (!map.FunctionAt(source, 1, 1).empty() || map.Context(source, 1, 3)) __builtin_trap();
    return;
  }
  const int64_t lines = LineCount(map, source);
  if (lines < 1) __builtin_trap();  // even "" has one (empty) line
  const int64_t kLines[] = {0, 1, 2, 3, lines / 2, lines - 1, lines, lines + 1};
  const int64_t kColumns[] = {0, 1, 2, 10, 80, 1000, int64_t{1} << 33};
  for (int64_t line : kLines) {
    for (int64_t column : kColumns) (void)map.FunctionAt(source, line, column);
    // Up to 40 lines either side: the product asks for 3; more would only make inputs slow.
    for (size_t n : {size_t{0}, size_t{3}, size_t{40}}) {
      std::optional<sightline::SourceContext> c = map.Context(source, line, n);
      if (c.has_value() != (line >= 1 && line <= lines)) __builtin_trap();
      if (!c) continue;
      const size_t before = static_cast<size_t>(line - 1),
                   after = static_cast<size_t>(lines - line);
      if (c->pre.size() != std::min(n, before) || c->post.size() != std::min(n, after)) {
        __builtin_trap();
      }
      if (c->line.size() > 200) __builtin_trap();
      for (const auto& l : c->pre) {
        if (l.size() > 200) __builtin_trap();
      }
      for (const auto& l : c->post) {
        if (l.size() > 200) __builtin_trap();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckFunctions(input);

  auto parsed = SourceMap::Parse(input);
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) __builtin_trap();  // every refusal names its problem
    return 0;
  }
  const SourceMap& map = **parsed;
  CheckLookups(map);
  // Bounded work per input: the first sources are as good as any for the finder and context.
  const size_t sources = std::min<size_t>(map.sources_size(), 32);
  for (uint32_t source = 0; source < sources; ++source) {
    (void)map.source(source);
    CheckSource(map, source);
  }
  if (map.MemoryBytes() == 0) __builtin_trap();
  return 0;
}
