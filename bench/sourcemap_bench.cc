// Micro-benchmarks of source maps on a generated ~5 MB map shaped like a bundler's: a few hundred
// modules with sourcesContent (classes, methods, functions, arrow functions, template literals,
// regular expressions), one minified line per 25 modules with a segment per token and the
// renamed identifiers in "names". What an upload pays (BM_ParseSourceMap5MB, against the bare
// simdjson parse of the same bytes as its floor: BM_JsonOnly5MB), what the first frame in each
// source pays once (BM_IndexSources: line starts and FindFunctions), and what every frame of a
// stack pays after that (BM_LookupFrame, BM_MapFrame: Lookup + FunctionAt + Context(3)).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "errors/source_map.h"

namespace sightline {
namespace {

constexpr size_t kSources = 420;
constexpr size_t kSnippetsPerSource = 24;
constexpr size_t kSourcesPerLine = 25;  // generated lines of ~100 KB, as a minifier emits them

void AppendJsonString(std::string_view s, std::string* out) {
  *out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') *out += '\\';
    if (c == '\n') {
      *out += "\\n";
      continue;
    }
    *out += c;
  }
  *out += '"';
}

// Plausible application code: one of four shapes of snippet with fresh identifiers.
class CodeWriter {
 public:
  explicit CodeWriter(std::mt19937_64* rng) : rng_(rng) {}

  std::string Module(size_t index) {
    std::string out = "// module " + std::to_string(index) + ": " + Noun() + " " + Noun() + "\n";
    out += "import { " + Ident() + ", " + Ident() + " } from './" + Noun() + ".js';\n\n";
    for (size_t snippet_idx = 0; snippet_idx < kSnippetsPerSource; ++snippet_idx) {
      out += Snippet();
    }
    return out;
  }

 private:
  std::string Pick(const std::vector<std::string>& words) {
    return words[(*rng_)() % words.size()];
  }
  std::string Noun() { return Pick(kNouns); }
  static std::string Capital(std::string s) {
    s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
  }
  std::string Ident() { return Pick(kVerbs) + Capital(Noun()); }
  std::string Class() { return Capital(Noun()) + Capital(Pick(kKinds)); }

  std::string Snippet() {
    const std::string a = Ident(), b = Ident(), c = Noun(), d = Noun(), f = Noun();
    switch ((*rng_)() % 4) {
      case 0: {
        const std::string cls = Class();
        return "export class " + cls + " extends " + Class() + " {\n  constructor(" + c +
               ") {\n    super();\n    this." + f + " = " + c + " ?? [];\n  }\n  " + a + "(" + d +
               ", options = {}) {\n    const found = this." + f + ".filter((item) => item." + c +
               " === " + d + ");\n    if (!found.length) {\n      throw new Error(`no " + c +
               " for ${" + d + "} in " + cls + "`);\n    }\n    return found.map((item) => ({ " +
               "...item, " + d + ": options[item.id] }));\n  }\n  async " + b +
               "() {\n    const response = await fetch('/api/" + c +
               "/' + encodeURIComponent(this." + f +
               ".length));\n    return response.json();\n  }\n}\n\n";
      }
      case 1:
        return "export function " + a + "(" + c + ", " + d +
               ") {\n  const re = /^[a-z{}]+$/i;  // braces in a regex\n  for (const key of "
               "Object.keys(" +
               c + ")) {\n    if (re.test(key) && key !== \"}\") " + d + "[key] = " + c +
               "[key];\n  }\n  return " + d + ";\n}\n\n";
      case 2:
        return "export const " + a + " = async (" + c + ") => {\n  const result = await " + b +
               "(" + c + ", { retries: 3 });\n  if (result.status >= 500) {\n    return " + a +
               "(" + c + ");\n  }\n  return result.body?." + d + " ?? null;\n};\n\n";
      default:
        return "const " + a + " = {\n  " + c + ": (value) => value * 2,\n  " + d +
               "(x) {\n    return `${x}`.padStart(8, '0');\n  },\n  " + f +
               ": function () {\n    return this." + c + "(1) + " + b + ".length;\n  },\n};\n\n";
    }
  }

  inline static const std::vector<std::string> kNouns = {
      "cart",   "order",   "item",  "price",  "user",    "session", "route",
      "coupon", "address", "stock", "review", "invoice", "basket",  "token",
      "config", "layout",  "modal", "filter", "payment", "product"};
  inline static const std::vector<std::string> kVerbs = {
      "load",  "save",    "apply", "render", "validate", "format", "compute", "update",
      "fetch", "resolve", "parse", "track",  "select",   "merge",  "toggle",  "submit"};
  inline static const std::vector<std::string> kKinds = {"store", "service", "view", "controller",
                                                         "model", "form",    "list", "panel"};
  std::mt19937_64* rng_;  // borrowed
};

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentPart(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

struct Bench {
  std::string json;
  std::vector<uint32_t> line_lengths;  // of the generated bundle, to pick frame positions
  size_t content_bytes = 0;            // of all sourcesContent
};

// A segment per identifier of the original (comments dropped, as a minifier does); locals and
// declarations are renamed to one or two letters and carry their original name.
Bench BuildMap() {
  std::mt19937_64 rng(7);
  CodeWriter writer(&rng);
  std::vector<std::string> contents;
  for (size_t source_idx = 0; source_idx < kSources; ++source_idx) {
    contents.push_back(writer.Module(source_idx));
  }
  std::map<std::string, int64_t, std::less<>> name_index;
  std::vector<std::string_view> names;
  std::string mappings;
  Bench bench;
  int64_t prev_source = 0, prev_line = 0, prev_column = 0, prev_name = 0;
  int64_t column = 0, prev_generated = 0;  // on the current generated line
  for (size_t source_idx = 0; source_idx < kSources; ++source_idx) {
    const std::string& text = contents[source_idx];
    bench.content_bytes += text.size();
    if (source_idx % kSourcesPerLine == 0 && source_idx > 0) {
      bench.line_lengths.push_back(static_cast<uint32_t>(column));
      mappings += ';';
      column = prev_generated = 0;
    }
    int64_t line = 0, line_start = 0;
    for (size_t pos = 0; pos < text.size();) {
      if (text[pos] == '\n') {
        line_start = static_cast<int64_t>(++pos);
        ++line;
        continue;
      }
      if (text.compare(pos, 2, "//") == 0) {
        pos = text.find('\n', pos);
        continue;
      }
      if (!IsIdentStart(text[pos]) || (pos > 0 && IsIdentPart(text[pos - 1]))) {
        ++pos;
        continue;
      }
      size_t end = pos;
      while (end < text.size() && IsIdentPart(text[end])) ++end;
      std::string_view word(text.data() + pos, end - pos);
      const bool renamed = word.size() > 4 && (pos == 0 || text[pos - 1] != '.') && rng() % 2;
      if (!mappings.empty() && mappings.back() != ';') mappings += ',';
      const int64_t original_column = static_cast<int64_t>(pos) - line_start;
      mappings += Base64Vlq(column - prev_generated) +
                  Base64Vlq(static_cast<int64_t>(source_idx) - prev_source) +
                  Base64Vlq(line - prev_line) + Base64Vlq(original_column - prev_column);
      prev_generated = column;
      prev_source = static_cast<int64_t>(source_idx);
      prev_line = line;
      prev_column = original_column;
      if (renamed) {
        auto [it, added] = name_index.try_emplace(std::string(word), names.size());
        if (added) names.push_back(it->first);
        mappings += Base64Vlq(it->second - prev_name);
        prev_name = it->second;
      }
      // The token as the minifier prints it, then one or two characters of punctuation.
      column +=
          (renamed ? 1 + static_cast<int64_t>(rng() % 2) : static_cast<int64_t>(word.size())) + 1 +
          static_cast<int64_t>(rng() % 2);
      pos = end;
    }
  }
  bench.line_lengths.push_back(static_cast<uint32_t>(column));

  std::string& json = bench.json;
  json = R"({"version":3,"file":"static/js/main.8c1e9d4a.js","sources":[)";
  for (size_t source_idx = 0; source_idx < kSources; ++source_idx) {
    json += source_idx ? "," : "";
    AppendJsonString("webpack://shop/./src/features/module" + std::to_string(source_idx) + ".js",
                     &json);
  }
  json += R"(],"sourcesContent":[)";
  for (size_t source_idx = 0; source_idx < kSources; ++source_idx) {
    json += source_idx ? "," : "";
    AppendJsonString(contents[source_idx], &json);
  }
  json += R"(],"names":[)";
  for (size_t name_idx = 0; name_idx < names.size(); ++name_idx) {
    json += name_idx ? "," : "";
    AppendJsonString(names[name_idx], &json);
  }
  json += R"(],"mappings":")" + mappings + "\"}";
  return bench;
}

const Bench& TheBench() {
  static const Bench bench = BuildMap();
  return bench;
}

std::shared_ptr<const SourceMap> ParseOrDie(std::string_view json) {
  auto parsed = SourceMap::Parse(json);
  if (!parsed.ok()) {
    fprintf(stderr, "generated map refused: %s\n", parsed.status().message().c_str());
    abort();
  }
  return std::move(parsed).value();
}

struct Position {
  int64_t line, column;
};

// Frame positions spread evenly over the bundle's text, as call sites are.
std::vector<Position> Positions(size_t n) {
  const Bench& bench = TheBench();
  std::mt19937_64 rng(11);
  std::vector<Position> out;
  for (size_t idx = 0; idx < n; ++idx) {
    size_t line = rng() % bench.line_lengths.size();
    out.push_back({static_cast<int64_t>(line + 1),
                   static_cast<int64_t>(rng() % bench.line_lengths[line]) + 1});
  }
  return out;
}

void BM_JsonOnly5MB(benchmark::State& state) {
  const std::string& json = TheBench().json;
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size()).get(root)) abort();
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_JsonOnly5MB)->Unit(benchmark::kMillisecond);

void BM_ParseSourceMap5MB(benchmark::State& state) {
  const std::string& json = TheBench().json;
  size_t segments = 0;
  for (auto _ : state) {
    std::shared_ptr<const SourceMap> map = ParseOrDie(json);
    segments = map->segments();
    benchmark::DoNotOptimize(map.get());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
  state.counters["map_MB"] = static_cast<double>(json.size()) / 1e6;
  size_t bundle_bytes = 0;
  for (uint32_t length : TheBench().line_lengths) bundle_bytes += length;
  state.counters["bundle_MB"] = static_cast<double>(bundle_bytes) / 1e6;
  state.counters["segments"] = static_cast<double>(segments);
}
BENCHMARK(BM_ParseSourceMap5MB)->Unit(benchmark::kMillisecond);

void BM_LookupFrame(benchmark::State& state) {
  std::shared_ptr<const SourceMap> map = ParseOrDie(TheBench().json);
  std::vector<Position> positions = Positions(4096);
  size_t idx = 0, found = 0;
  for (auto _ : state) {
    const Position& p = positions[idx++ % positions.size()];
    auto original = map->Lookup(p.line, p.column);
    found += original.has_value();
    benchmark::DoNotOptimize(original);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["mapped_%"] = 100.0 * static_cast<double>(found) /
                               static_cast<double>(std::max<int64_t>(state.iterations(), 1));
}
BENCHMARK(BM_LookupFrame);

// The once-per-source cost: line starts and FindFunctions over every source's content, on a
// freshly parsed map each time (the parse is not timed).
void BM_IndexSources(benchmark::State& state) {
  const std::string& json = TheBench().json;
  for (auto _ : state) {
    state.PauseTiming();
    std::shared_ptr<const SourceMap> map = ParseOrDie(json);
    state.ResumeTiming();
    for (uint32_t source = 0; source < map->sources_size(); ++source) {
      benchmark::DoNotOptimize(map->FunctionAt(source, 1, 1));
    }
    state.PauseTiming();
    map.reset();  // freeing is not timed either
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TheBench().content_bytes));
  state.counters["sources"] = static_cast<double>(kSources);
}
BENCHMARK(BM_IndexSources)->Unit(benchmark::kMillisecond);

// Every frame of a stack after the first in its source: Lookup, the enclosing function and three
// lines of context either side, as IdentifyError does for the detail view.
void BM_MapFrame(benchmark::State& state) {
  std::shared_ptr<const SourceMap> map = ParseOrDie(TheBench().json);
  for (uint32_t source = 0; source < map->sources_size(); ++source) {
    benchmark::DoNotOptimize(map->FunctionAt(source, 1, 1));  // index every source up front
  }
  std::vector<Position> positions = Positions(4096);
  size_t idx = 0, named = 0;
  for (auto _ : state) {
    const Position& p = positions[idx++ % positions.size()];
    if (auto original = map->Lookup(p.line, p.column)) {
      std::string function = map->FunctionAt(original->source, original->line, original->column);
      named += !function.empty();
      auto context = map->Context(original->source, original->line, 3);
      benchmark::DoNotOptimize(function);
      benchmark::DoNotOptimize(context);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["named_%"] = 100.0 * static_cast<double>(named) /
                              static_cast<double>(std::max<int64_t>(state.iterations(), 1));
}
BENCHMARK(BM_MapFrame);

}  // namespace
}  // namespace sightline

BENCHMARK_MAIN();
