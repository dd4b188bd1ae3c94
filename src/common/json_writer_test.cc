#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace sightline {
namespace {

TEST(JsonWriterTest, WritesNestedValuesWithCommas) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a");
  w.Int(1);
  w.Key("b");
  w.BeginArray();
  w.String("x");
  w.Double(2.5);
  w.Bool(true);
  w.Null();
  w.EndArray();
  w.Key("c");
  w.BeginObject();
  w.EndObject();
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",2.5,true,null],"c":{}})");
}

TEST(JsonWriterTest, EscapesControlCharactersQuotesAndBackslashes) {
  JsonWriter w;
  w.String(std::string("a\"b\\c\nd\x01", 8));
  EXPECT_EQ(w.str(), "\"a\\\"b\\\\c\\nd\\u0001\"");
}

TEST(JsonWriterTest, EscapesACharacterWhereverItFallsInALongString) {
  // Long runs are scanned a word at a time: an escape at any offset, among ASCII and UTF-8 text
  // (bytes above 0x7f need no escape), must still be found.
  for (char special : {'"', '\\', '\n', '\x1f', '\0'}) {
    for (size_t pos = 0; pos < 40; ++pos) {
      std::string text(40, 'a');
      text.replace(10, 2, "\xc3\xa9");  // é
      text[pos] = special;
      std::string expected = "\"";
      for (char c : text) {
        if (c == '"' || c == '\\') {
          expected += '\\';
          expected += c;
        } else if (c == '\n') {
          expected += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20) {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\u%04x", static_cast<unsigned char>(c));
          expected += hex;
        } else {
          expected += c;
        }
      }
      expected += '"';
      std::string out;
      AppendJsonString(&out, text);
      EXPECT_EQ(out, expected) << "byte " << static_cast<int>(special) << " at " << pos;
    }
  }
}

TEST(JsonWriterTest, NonFiniteNumbersBecomeNull) {
  JsonWriter w;
  w.BeginArray();
  w.Double(NAN);
  w.Double(INFINITY);
  w.EndArray();
  EXPECT_EQ(w.str(), "[null,null]");
}

// Found by the otlp fuzz target: a double attribute of 1.5 * 2^64 was written as 20 digits, an
// integer JSON parsers refuse as out of range.
TEST(JsonWriterTest, HugeWholeNumbersAreWrittenWithAnExponent) {
  JsonWriter w;
  w.BeginArray();
  w.Double(27670116110564327424.0);
  w.Double(-1e300);
  w.Double(9007199254740991.0);  // 2^53 - 1: still digits
  w.Double(123.25);
  w.EndArray();
  EXPECT_EQ(w.str(), "[2.7670116110564327e+19,-1e+300,9007199254740991,123.25]");
}

}  // namespace
}  // namespace sightline
