#include "errors/source_map.h"

#include <gtest/gtest.h>

#include <array>

namespace sightline {
namespace {

// Segments with absolute values: {column} or {column, source, line, column[, name]}, per line.
using Segment = std::vector<int64_t>;
std::string Mappings(const std::vector<std::vector<Segment>>& lines) {
  std::string out;
  int64_t source = 0, line = 0, column = 0, name = 0;
  for (size_t l = 0; l < lines.size(); ++l) {
    if (l > 0) out += ';';
    int64_t generated = 0;
    for (size_t s = 0; s < lines[l].size(); ++s) {
      const Segment& seg = lines[l][s];
      if (s > 0) out += ',';
      out += Base64Vlq(seg[0] - generated);
      generated = seg[0];
      if (seg.size() >= 4) {
        out += Base64Vlq(seg[1] - source) + Base64Vlq(seg[2] - line) + Base64Vlq(seg[3] - column);
        source = seg[1];
        line = seg[2];
        column = seg[3];
      }
      if (seg.size() == 5) {
        out += Base64Vlq(seg[4] - name);
        name = seg[4];
      }
    }
  }
  return out;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

constexpr char kCheckout[] = R"(import { api } from './api.js';

export class Checkout {
  constructor(cart) { this.cart = cart; }
  total() {
    return this.cart.items.reduce((sum, item) => {
      const re = /[{}]/g;  // braces in a regex
      const s = "}{";      // and in a string
      return sum + item.price.amount;
    }, 0);
  }
}

export function processPayment(order) {
  const label = `order ${order.id} ${JSON.stringify({ a: 1 })}`;
  if (!order.card) {
    throw new TypeError('no card for ' + label);
  }
  return api.pay(order);
}

export const validate = async (form) => {
  [1].forEach(function () {
    form.check();
  });
};
)";

std::shared_ptr<const SourceMap> Parse(const std::string& json) {
  Result<std::shared_ptr<const SourceMap>> map = SourceMap::Parse(json);
  EXPECT_TRUE(map.ok()) << map.status().message();
  return map.ok() ? *map : nullptr;
}

std::string CheckoutMap() {
  // Generated line 1: col 0 → checkout.js 1:1; col 20 → 17:5 named processPayment... (0-based).
  std::string mappings =
      Mappings({{{0, 0, 0, 0}, {20, 0, 16, 4, 0}, {40, 0, 8, 6}, {60}}, {}, {{5, 1, 0, 0}}});
  return R"({"version":3,"file":"main.js","sourceRoot":"","sources":["../src/checkout.js","webpack://shop/./src/util.js"],)"
         R"("sourcesContent":[)" +
         JsonString(kCheckout) + R"(,null],"names":["processPayment"],"mappings":")" + mappings +
         "\"}";
}

TEST(SourceMapTest, LooksUpTheSegmentAtOrBeforeTheColumn) {
  auto map = Parse(CheckoutMap());
  ASSERT_TRUE(map);
  EXPECT_EQ(map->segments(), 5u);
  EXPECT_EQ(map->source(0), "../src/checkout.js");
  auto p = map->Lookup(1, 21);  // 1-based column 21 = generated column 20
  ASSERT_TRUE(p);
  EXPECT_EQ(p->source, 0u);
  EXPECT_EQ(p->line, 17);
  EXPECT_EQ(p->column, 5);
  EXPECT_EQ(p->name, "processPayment");
  p = map->Lookup(1, 35);  // between segments: the one before
  ASSERT_TRUE(p);
  EXPECT_EQ(p->line, 17);
  p = map->Lookup(1, 45);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->line, 9);
  EXPECT_EQ(p->column, 7);
  EXPECT_TRUE(p->name.empty());
  EXPECT_FALSE(map->Lookup(1, 70));  // a segment that maps to no source
  EXPECT_FALSE(map->Lookup(2, 1));   // a line without segments
  EXPECT_FALSE(map->Lookup(3, 3));   // before the line's first segment
  p = map->Lookup(3, 6);
  ASSERT_TRUE(p);
  EXPECT_EQ(map->source(p->source), "webpack://shop/./src/util.js");
  EXPECT_FALSE(map->Lookup(4, 1));  // past the last line
  EXPECT_FALSE(map->Lookup(0, 1));
}

TEST(SourceMapTest, FunctionNamesComeFromTheOriginalSource) {
  auto map = Parse(CheckoutMap());
  ASSERT_TRUE(map);
  EXPECT_EQ(map->FunctionAt(0, 17, 5), "processPayment");
  EXPECT_EQ(map->FunctionAt(0, 15, 10), "processPayment");  // template literal with ${} before
  EXPECT_EQ(map->FunctionAt(0, 9, 7), "Checkout.total/<anonymous>");  // the reduce callback
  EXPECT_EQ(map->FunctionAt(0, 5, 12), "Checkout.total");
  EXPECT_EQ(map->FunctionAt(0, 4, 25), "Checkout.constructor");
  EXPECT_EQ(map->FunctionAt(0, 24, 5), "validate/<anonymous>");
  EXPECT_EQ(map->FunctionAt(0, 22, 41), "validate");
  EXPECT_EQ(map->FunctionAt(0, 1, 1), "");  // top level
  EXPECT_EQ(map->FunctionAt(1, 1, 1), "");  // no sourcesContent
}

TEST(SourceMapTest, ContextLinesAroundTheOriginalLine) {
  auto map = Parse(CheckoutMap());
  ASSERT_TRUE(map);
  auto context = map->Context(0, 17, 2);
  ASSERT_TRUE(context);
  EXPECT_EQ(context->line, "    throw new TypeError('no card for ' + label);");
  ASSERT_EQ(context->pre.size(), 2u);
  EXPECT_EQ(context->pre[1], "  if (!order.card) {");
  ASSERT_EQ(context->post.size(), 2u);
  EXPECT_EQ(context->post[0], "  }");
  context = map->Context(0, 1, 3);
  ASSERT_TRUE(context);
  EXPECT_TRUE(context->pre.empty());
  EXPECT_FALSE(map->Context(0, 1000, 3));
  context = map->Context(0, 26, 3);  // the last line: the final newline starts no other
  ASSERT_TRUE(context);
  EXPECT_EQ(context->line, "};");
  EXPECT_TRUE(context->post.empty());
  EXPECT_FALSE(map->Context(0, 27, 0));
  EXPECT_FALSE(map->Context(1, 1, 3));
}

TEST(SourceMapTest, IndexMapsOffsetTheirSections) {
  std::string inner = R"({"version":3,"sources":["a.js"],"names":[],"mappings":")" +
                      Mappings({{{0, 0, 0, 0}, {4, 0, 1, 2}}}) + "\"}";
  std::string inner2 = R"({"version":3,"sources":["b.js"],"names":["x"],"mappings":")" +
                       Mappings({{{0, 0, 6, 0, 0}}}) + "\"}";
  auto map = Parse(R"({"version":3,"sections":[{"offset":{"line":0,"column":10},"map":)" + inner +
                   R"(},{"offset":{"line":2,"column":0},"map":)" + inner2 + "}]}");
  ASSERT_TRUE(map);
  auto p = map->Lookup(1, 15);  // column 14 = section column 4
  ASSERT_TRUE(p);
  EXPECT_EQ(map->source(p->source), "a.js");
  EXPECT_EQ(p->line, 2);
  EXPECT_EQ(p->column, 3);
  EXPECT_FALSE(map->Lookup(1, 5));  // before the section's offset
  p = map->Lookup(3, 1);
  ASSERT_TRUE(p);
  EXPECT_EQ(map->source(p->source), "b.js");
  EXPECT_EQ(p->line, 7);
  EXPECT_EQ(p->name, "x");
}

TEST(SourceMapTest, ASectionFarDownTheFileCostsNoMemory) {
  // Found by fuzzing: a dense per-line index made this 136-byte map allocate 8 GB.
  auto map = Parse(
      R"({"version":3,"sections":[{"offset":{"line":2147483647,"column":0},"map":{"version":3,)"
      R"("sources":["a.js"],"names":[],"mappings":"AAAA"}}]})");
  ASSERT_TRUE(map);
  EXPECT_LT(map->MemoryBytes(), 4096u);
  auto p = map->Lookup(2147483648, 1);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->line, 1);
  EXPECT_FALSE(map->Lookup(2147483647, 1));
  EXPECT_FALSE(map->Lookup(int64_t{1} << 40, 1));
}

TEST(SourceMapTest, SourceRootPrefixesSources) {
  auto map = Parse(
      R"({"version":3,"sourceRoot":"https://example.com/src","sources":["a.js"],"mappings":"AAAA"})");
  ASSERT_TRUE(map);
  EXPECT_EQ(map->source(0), "https://example.com/src/a.js");
}

void ExpectRefused(const std::string& json, std::string_view reason) {
  Result<std::shared_ptr<const SourceMap>> map = SourceMap::Parse(json);
  ASSERT_FALSE(map.ok()) << json;
  EXPECT_NE(map.status().message().find(reason), std::string::npos)
      << map.status().message() << " does not contain " << reason;
}

TEST(SourceMapTest, MalformedMapsAreRefusedWithTheProblemNamed) {
  ExpectRefused("not json", "body: not JSON");
  ExpectRefused("[1]", "body: must be a JSON object");
  ExpectRefused(R"({"version":2,"sources":[],"mappings":""})", "version: must be 3");
  ExpectRefused(R"({"version":3,"mappings":""})", "sources: must be an array");
  ExpectRefused(R"({"version":3,"sources":[1],"mappings":""})", "sources: must be an array");
  ExpectRefused(R"({"version":3,"sources":["a"]})", "mappings: must be a string");
  ExpectRefused(R"({"version":3,"sources":["a"],"mappings":"AA!A"})",
                "mappings: invalid Base64 character '!' at offset 2");
  ExpectRefused(R"({"version":3,"sources":["a"],"mappings":"AA"})",
                "a segment has 2 fields (must be 1, 4 or 5)");
  ExpectRefused(R"({"version":3,"sources":["a"],"mappings":"AAAAAA"})",
                "a segment has more than 5 fields");
  ExpectRefused(R"({"version":3,"sources":["a"],"mappings":"ACAA"})",
                "source index 1 is not in sources (1)");
  ExpectRefused(R"({"version":3,"sources":["a"],"names":[],"mappings":"AAAAA"})",
                "name index 0 is not in names (0)");
  ExpectRefused(R"({"version":3,"sources":["a"],"mappings":"A/////////A"})",
                "does not fit in 32 bits");
  ExpectRefused(R"({"version":3,"sources":["a"],"mappings":"AAg"})", "a value ends in the middle");
  ExpectRefused(R"({"version":3,"sources":["a"],"mappings":"DAAA"})",
                "generated column out of range");
  ExpectRefused(R"({"version":3,"sources":["a"],"sourcesContent":["x","y"],"mappings":""})",
                "sourcesContent: longer than sources");
  ExpectRefused(R"({"version":3,"sections":[{"offset":{"line":0},"map":{}}]})",
                "sections[0].offset");
  ExpectRefused(R"({"version":3,"sections":[{"offset":{"line":0,"column":0},"url":"x.map"}]})",
                "sections[0].map");
  ExpectRefused(
      R"({"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a"],"mappings":"AA"}}]})",
      "sections[0].map.mappings");
}

TEST(SourceMapTest, FindFunctionsSurvivesTrickySyntax) {
  auto names = [](std::string_view src) {
    std::vector<std::string> out;
    for (const auto& f : FindFunctions(src)) out.push_back(f.name);
    return out;
  };
  EXPECT_EQ(names("function a() { if (x) { } }"), std::vector<std::string>{"a"});
  EXPECT_EQ(names("const b = function () {}; obj.c = () => { return 1; };"),
            (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(names("const o = { d(x) { }, e: async (y) => { }, get f() { } };"),
            (std::vector<std::string>{"d", "e", "f"}));
  EXPECT_EQ(names("class G extends mixin(Base) { static h() {} #i() {} }"),
            (std::vector<std::string>{"G.h", "G.#i"}));
  EXPECT_EQ(names("const s = '{'; const r = a / b; function j() { return /}/.test(s); }"),
            std::vector<std::string>{"j"});
  EXPECT_EQ(names("const t = `${ {a: 1}.a } }`; function k() {}"), std::vector<std::string>{"k"});
  EXPECT_EQ(names("/* function x() { */ // function y() {\nfunction l() {}"),
            std::vector<std::string>{"l"});
  EXPECT_EQ(names("const m = x => { }; n = async y => { };"), (std::vector<std::string>{"m", "n"}));
  EXPECT_EQ(names("}}} function p() {"), std::vector<std::string>{});  // unbalanced: no crash
}

}  // namespace
}  // namespace sightline
